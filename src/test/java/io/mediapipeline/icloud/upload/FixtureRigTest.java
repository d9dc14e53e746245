package io.mediapipeline.icloud.upload;

import io.mediapipeline.fixture.IcloudFixture;
import io.mediapipeline.icloud.removal.RemovalConfig;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test class's ledger (one embedded server per class) and, per test, a new fixture server and the upload's real
 * parts over it ({@link #overrides} are the test class's settings).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class FixtureRigTest {

    static final RemovalConfig ON = new RemovalConfig(true, false, Duration.ofHours(24));

    @TempDir
    static Path tmp;

    static PipelineHome home;
    static Database db;

    IcloudFixture fixture;
    FixtureRig rig;
    FixtureRig.Parts parts;

    @BeforeAll
    static void open() {
        home = new PipelineHome(tmp);
        db = home.openLedger();
    }

    @AfterAll
    static void close() {
        if (db != null) {
            db.close();
        }
    }

    /** Settings (key, value, ...) for the parts. */
    String[] overrides() {
        return new String[0];
    }

    @BeforeEach
    void fresh() throws Exception {
        fixture = new IcloudFixture();
        rig = new FixtureRig(home, db, fixture);
        parts = rig.parts(overrides());
    }

    @AfterEach
    void stop() {
        parts.close();
        fixture.close();
    }
}
