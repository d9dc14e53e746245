package io.mediapipeline.proof;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.mediapipeline.config.Settings;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The promise of verify and cleanup, checked on many random histories: the real verify, cleanup (with its purge
 * and startup recovery) and scrub beans on a real embedded PostgreSQL and real files, with targets, the iCloud
 * removal and the guard played by the test. After every step: nothing lost, nothing removed without its proof,
 * nothing unverified cleaned, nothing removed twice, nothing purged early, nothing touched while the guard is shut.
 *
 * <p>{@code -Dproof.seed=N} replays one sequence (every failure names its seed); {@code -Dproof.sequences=N} runs
 * more (default 200), within {@code -Dproof.seconds} (default 90); {@code -Dproof.master-seed=N} repeats a whole run;
 * {@code -Dproof.log=INFO} shows the stages' log.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class CleanupPropertyTest {

    @TempDir
    static Path tmp;

    private static PipelineHome home;
    private static Database db;
    private static World world;
    private static Level quietBefore;

    @BeforeAll
    static void open() throws Exception {
        Logger app = (Logger) LoggerFactory.getLogger("io.mediapipeline");
        quietBefore = app.getLevel();
        // thousands of passes log what they do, and the damage the test causes is logged as errors by design: the
        // invariants are the test's output (-Dproof.log=INFO shows the stages' own lines for a replayed seed)
        app.setLevel(Level.toLevel(System.getProperty("proof.log"), Level.OFF));
        home = new PipelineHome(tmp).set("pipeline.source.folder.enabled", "false")
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.target.pixel.folder-id", "pixel")
                .set("pipeline.target.pixel.device-id", "AAAAAAA-BBBBBBB-CCCCCCC-DDDDDDD-EEEEEEE-FFFFFFF-GGGGGGG-HHHHHHH")
                .set("pipeline.target.pixel.syncthing.url", "http://127.0.0.1:9")
                .set("pipeline.target.pixel.api-key", "not-used-by-this-test")
                .set("pipeline.verify.enabled", "true")
                .set("pipeline.verify.batch-size", "1000")
                .set("pipeline.cleanup.enabled", "true")
                .set("pipeline.scrub.cycle-days", "1") // each scrub run reads every file
                .set("pipeline.scrub.max-mb-per-second", "0");
        db = home.openLedger();
        Ledger ledger = new Ledger(db.dataSource());
        // the test's own database: a commit need not wait for the disk (the stages' file syncs still do)
        try (var c = db.dataSource().getConnection(); var st = c.createStatement()) {
            st.execute("alter system set synchronous_commit = off");
            st.execute("select pg_reload_conf()");
        }
        world = new World(home.home(), ledger, new Schema(ledger));
    }

    @AfterAll
    static void close() {
        ((Logger) LoggerFactory.getLogger("io.mediapipeline")).setLevel(quietBefore);
        if (db != null) {
            db.close();
        }
    }

    @Test
    void nothingIsLostOrRemovedWithoutItsProof() throws Exception {
        Long one = Long.getLong("proof.seed");
        int sequences = one != null ? 1 : Integer.getInteger("proof.sequences", 200);
        long budget = TimeUnit.SECONDS.toNanos(Long.getLong("proof.seconds", 90));
        long master = Long.getLong("proof.master-seed", System.nanoTime());
        Random seeds = new Random(master);
        List<String> failures = new ArrayList<>();
        Map<String, Long> seen = new TreeMap<>();
        int ran = 0;
        long steps = 0;
        long t0 = System.nanoTime();
        while (ran < sequences && (one != null || System.nanoTime() - t0 < budget) && failures.size() < 3) {
            long seed = one != null ? one : seeds.nextLong();
            Sequence s = new Sequence(seed, world, CleanupPropertyTest::settings, settings -> Stages.start(world, settings, db));
            Optional<String> failed = s.run(seen);
            failed.ifPresent(failures::add);
            ran++;
            steps += s.steps.size();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("CleanupPropertyTest: %d sequence(s), %d steps in %.1f s (master seed %d; replay one sequence"
                + " with -Dproof.seed=N)%n", ran, steps, seconds, master);
        seen.forEach((k, n) -> System.out.printf("  %-40s %d%n", k, n));
        assertThat(failures).as("sequences that broke a promise (replay each with its seed)").isEmpty();
        assertThat(ran).as("sequences run in the time budget").isGreaterThanOrEqualTo(one != null ? 1 : Math.min(sequences, 20));
    }

    private static Settings settings(Map<String, String> keys) {
        keys.forEach(home::set);
        return home.settings();
    }
}
