package io.mediapipeline.dashboard.files;

import io.mediapipeline.flow.Handoff;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test class of the file pages over its own data directory and embedded ledger, holding the rows the stages
 * write; one per class (PostgreSQL is slow to start), in instance fields, so no two classes share one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OnFilesLedger {

    static final OffsetDateTime JULY = OffsetDateTime.of(2023, 7, 14, 12, 0, 0, 0, ZoneOffset.ofHours(2));

    Path tmp;
    Path home;
    Database db;
    Ledger ledger;
    Library library;
    Retries retries;

    @BeforeAll
    void open(@TempDir Path dir) {
        tmp = dir;
        PipelineHome pipeline = new PipelineHome(tmp);
        home = pipeline.home();
        db = pipeline.openLedger();
        ledger = new Ledger(db.dataSource());
        library = new Library(ledger, home);
        retries = new Retries(db.dataSource(), new Handoff(home.resolve("work"), List.of("organize", "compress")), home, 3);
    }

    @AfterAll
    void close() {
        if (db != null) {
            db.close();
        }
    }
}
