package io.mediapipeline.scrub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.flow.CopySource;
import io.mediapipeline.flow.Guard;
import io.mediapipeline.flow.GuardClosedException;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.Hasher;
import io.mediapipeline.report.RunReport;
import io.mediapipeline.support.PipelineHome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The scrub on a real embedded PostgreSQL and real files: a run reads its share and a cycle reads everything; a rotten
 * original is found, its damaged bytes set aside, and restored (with its sorted/ link) from a copy whose bytes are the
 * original's; a compressed copy is never taken for the original; the read rate stays under its cap; damage is
 * reported once.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ScrubTest {

    @TempDir
    static Path dir;

    private static Path home;
    private static Database db;
    private static Ledger ledger;
    private static JdbcTemplate sql;
    private static RunContext run;

    private final TestClock clock = new TestClock(Instant.parse("2026-12-01T02:00:00Z"));
    private final List<CopySource> sources = new ArrayList<>();
    private static final java.util.concurrent.atomic.AtomicInteger TESTS = new java.util.concurrent.atomic.AtomicInteger();
    /** Each test its own bytes (the ledger refuses two files with one sha256), the same on every build. */
    private final Random random = new Random(13L + TESTS.getAndIncrement());

    @BeforeAll
    static void openLedger() {
        PipelineHome pipeline = new PipelineHome(dir);
        home = pipeline.home();
        db = pipeline.openLedger();
        ledger = new Ledger(db.dataSource());
        sql = new JdbcTemplate(db.dataSource());
        run = new RunContext(ledger, "run", "test");
    }

    @AfterAll
    static void closeLedger() {
        if (db != null) {
            db.close();
        }
    }

    /**
     * Each test sees only its own files and runs: the files of earlier tests become failed ingests (the scrub reads
     * files in error from the archive), set by hand past the status guard.
     */
    @BeforeEach
    void forgetOtherTests() {
        sql.execute("alter table media_files disable trigger media_files_guard");
        try {
            sql.update("""
                    update media_files set status = 'error', error_from = 'ingested', error = 'another test'
                     where status in ('archived', 'verified', 'cleaned') or error_from in ('archived', 'verified', 'cleaned')""");
        } finally {
            sql.execute("alter table media_files enable trigger media_files_guard");
        }
        sql.update("delete from scrub_findings");
        sql.update("delete from scrub_runs");
    }

    @Test
    void eachRunReadsItsShareAndACycleReadsEveryFile() throws Exception {
        for (int i = 0; i < 30; i++) {
            archived("share" + i, 4096, null);
        }
        Scrubber scrubber = scrubber(config(3, 0, true)).batch(4);

        assertThat(scrubber.run().files()).as("first run: a day's part of a 3-day cycle").isEqualTo(10);
        clock.advance(Duration.ofDays(1));
        assertThat(scrubber.run().files()).isEqualTo(10);
        clock.advance(Duration.ofDays(1));
        assertThat(scrubber.run().files()).isEqualTo(10);

        assertThat(sql.queryForObject("select count(*) from media_files where status = 'archived' and scrubbed_at is null",
                Long.class)).as("every file read once in the cycle").isZero();
        assertThat(sql.queryForObject("select count(distinct scrubbed_at) from media_files where status = 'archived'",
                Long.class)).as("each file by exactly one of the three runs").isEqualTo(3);
        assertThat(sql.queryForList("select files from scrub_runs order by id", Integer.class)).containsExactly(10, 10, 10);

        clock.advance(Duration.ofDays(2));
        assertThat(scrubber.run().files()).as("two days since the last run: two days' part").isEqualTo(20);
    }

    @Test
    void theShareFollowsTheTimeSinceThePreviousRun() {
        ScrubConfig c = config(30, 0, true);
        Instant now = Instant.parse("2026-12-01T02:00:00Z");
        assertThat(Scrubber.share(3000, Optional.empty(), now, c)).isEqualTo(100);
        assertThat(Scrubber.share(3000, Optional.of(now.minus(Duration.ofDays(7))), now, c)).isEqualTo(700);
        assertThat(Scrubber.share(3000, Optional.of(now.minus(Duration.ofHours(1))), now, c)).as("at least a day's").isEqualTo(100);
        assertThat(Scrubber.share(3000, Optional.of(now.minus(Duration.ofDays(90))), now, c)).as("at most all").isEqualTo(3000);
        assertThat(Scrubber.share(7, Optional.empty(), now, c)).isEqualTo(1);
        assertThat(Scrubber.share(0, Optional.empty(), now, c)).isZero();
    }

    @Test
    void aRottenOriginalIsSetAsideAndRestoredFromADuplicateWithItsSortedLink() throws Exception {
        Media m = archived("rot-dup", 200_000, null);
        Path duplicate = home.resolve("duplicates/rot-dup copy.jpg");
        Files.createDirectories(duplicate.getParent());
        Files.write(duplicate, m.bytes);
        sql.update("insert into duplicate_files (original_file_id, duplicate_path, kind) values (?, ?, 'exact')", m.id,
                duplicate.toString());
        byte[] damaged = flipByte(m.original, 1000);

        ScrubRun.Figures f = scrubber(config(1, 0, true)).run();

        assertRestored(m, damaged, duplicate.toString());
        assertThat(f.findings()).as("original and its sorted/ link").isEqualTo(2);
        assertThat(f.restored()).isEqualTo(2);
    }

    @Test
    void aRottenOriginalIsRestoredFromItsCopyInTrash() throws Exception {
        Media m = archived("rot-trash", 80_000, null);
        Path trashed = home.resolve("trash/duplicates/rot-trash.jpg");
        Files.createDirectories(trashed.getParent());
        Files.write(trashed, m.bytes);
        sql.update("""
                insert into local_removals (media_file_id, kind, path, trash_path, state, trashed_at, purge_after)
                values (?, 'duplicate', ?, ?, 'trashed', now(), now() + interval '30 days')""",
                m.id, "duplicates/rot-trash.jpg", "trash/duplicates/rot-trash.jpg");
        byte[] damaged = flipByte(m.original, 79_999);

        scrubber(config(1, 0, true)).run();

        assertRestored(m, damaged, trashed.toString());
        assertThat(Files.readAllBytes(trashed)).as("the trash copy is read, not moved").isEqualTo(m.bytes);
    }

    @Test
    void inCopyModeTheGoodArchiveCopyIsCopiedBackAsASeparateFile() throws Exception {
        Media m = archived("copy-mode", 90_000, null);
        Files.delete(m.sorted);
        Files.write(m.sorted, m.bytes); // organize in copy mode: sorted/ is a file of its own
        byte[] damaged = flipByte(m.original, 12);
        ScrubConfig copyMode = new ScrubConfig(true, "0 0 2 * * ?", 1, 0, true, false, home);

        scrubber(copyMode).run();

        assertThat(Hasher.sha256(m.original)).isEqualTo(m.sha256);
        assertThat(Files.isSameFile(m.original, m.sorted)).as("still two copies").isFalse();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(m.original))).isEqualTo("r--r--r--");
        Map<String, Object> f = sql.queryForMap("select copy, state, restored_from, set_aside_path from scrub_findings where media_file_id = ?", m.id);
        assertThat(f).containsEntry("copy", "original").containsEntry("state", "restored")
                .containsEntry("restored_from", m.sorted.toString());
        assertThat(Files.readAllBytes(Path.of((String) f.get("set_aside_path")))).isEqualTo(damaged);
    }

    @Test
    void aRestoreThatACrashInterruptedAfterSettingAsideIsFinishedByTheNextRun() throws Exception {
        Media m = archived("interrupted", 30_000, null);
        sources.add(new FakeSource(m.id, m.bytes));
        byte[] damaged = flipByte(m.original, 100);
        // what the crashed restore left: the damaged inode linked aside, and its temp copy beside the original
        Path aside = home.resolve("quarantine/scrub/2026-12-01/originals/2026/11/interrupted.jpg");
        Files.createDirectories(aside.getParent());
        Files.createLink(aside, m.original);
        Files.write(m.original.resolveSibling(".interrupted.jpg.mp-tmp"), new byte[] {1, 2});

        scrubber(config(1, 0, true)).run();

        assertRestored(m, damaged, "fake: cloud/" + m.id);
        assertThat(sql.queryForObject("select set_aside_path from scrub_findings where media_file_id = ? and copy = 'original'",
                String.class, m.id)).isEqualTo(aside.toString());
        try (Stream<Path> s = Files.list(aside.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("interrupted")))
                    .as("no second link of the same damaged bytes").containsExactlyInAnyOrder("interrupted.jpg",
                            "interrupted.jpg.reason.txt");
        }
    }

    @Test
    void aRottenOriginalIsRestoredFromACopySource() throws Exception {
        Media m = archived("rot-source", 150_000, null);
        sources.add(new FakeSource(m.id, m.bytes));
        byte[] damaged = flipByte(m.original, 7);

        scrubber(config(1, 0, true)).run();

        assertRestored(m, damaged, "fake: cloud/" + m.id);
    }

    @Test
    void aCompressedCopyIsNeverTakenForTheOriginal() throws Exception {
        byte[] smaller = new byte[40_000];
        random.nextBytes(smaller);
        Media m = archived("rot-compressed", 120_000, smaller);
        sources.add(new FakeSource(m.id, smaller)); // the only copy elsewhere is the compressed one
        byte[] damaged = flipByte(m.original, 5);

        scrubber(config(1, 0, true)).run();

        Map<String, Object> row = sql.queryForMap("select status, error from media_files where id = ?", m.id);
        assertThat(row.get("status")).isEqualTo("error");
        assertThat((String) row.get("error")).contains("not restorable").contains("not the original");
        assertThat(Files.readAllBytes(m.original)).as("the damaged bytes stay where they were").isEqualTo(damaged);
        assertThat(Files.readAllBytes(m.compressed)).as("the compressed copy is untouched").isEqualTo(smaller);
        assertThat(sql.queryForList("select state from scrub_findings where media_file_id = ?", String.class, m.id))
                .containsOnly("open").hasSize(2);
    }

    @Test
    void aFileVerifyPutInErrorForABadCopyIsRestoredAndReturnsToArchived() throws Exception {
        Media m = archived("verify-error", 40_000, null);
        Files.delete(m.sorted);
        Files.write(m.sorted, m.bytes); // organize in copy mode: sorted/ is a file of its own
        byte[] damaged = flipByte(m.sorted, 77);
        // read by the scrub just now (not due by the cycle), then verify finds the sorted/ copy bad
        sql.update("update media_files set scrubbed_at = ?, verify_after = now() + interval '1 day' where id = ?",
                java.sql.Timestamp.from(clock.instant()), m.id);
        ledger.markError(m.id, "verify", "archive copy " + m.sorted + ": sha256 " + Hasher.sha256(m.sorted)
                + " expected " + m.sha256);
        ScrubConfig copyMode = new ScrubConfig(true, "0 0 2 * * ?", 30, 0, true, false, home);

        scrubber(copyMode).run();

        assertThat(Files.readAllBytes(m.sorted)).as("sorted/ restored from the original").isEqualTo(m.bytes);
        assertThat(Files.isSameFile(m.original, m.sorted)).as("still two copies").isFalse();
        Map<String, Object> row = sql.queryForMap("select status, error, verify_after from media_files where id = ?", m.id);
        assertThat(row.get("status")).isEqualTo("archived");
        assertThat(row.get("error")).isNull();
        assertThat(row.get("verify_after")).as("verified again on verify's next pass").isNull();
        Map<String, Object> f = sql.queryForMap("select copy, state, restored_from, set_aside_path from scrub_findings where media_file_id = ?", m.id);
        assertThat(f).containsEntry("copy", "archive").containsEntry("state", "restored")
                .containsEntry("restored_from", m.original.toString());
        assertThat(Files.readAllBytes(Path.of((String) f.get("set_aside_path")))).isEqualTo(damaged);
        assertThat(sql.queryForList("select message from pipeline_logs where media_file_id = ? and level = 'info'",
                String.class, m.id)).anySatisfy(msg -> assertThat(msg).contains("back to archived"));
    }

    @Test
    void aFileInErrorWhoseCopiesAreAllGoodIsLeftAsItIs() throws Exception {
        Media m = archived("target-error", 20_000, null);
        sql.update("update media_files set scrubbed_at = ? where id = ?", java.sql.Timestamp.from(clock.instant()), m.id);
        ledger.markError(m.id, "verify", "target pixel: the phone holds 10 bytes, expected 20000");
        String error = sql.queryForObject("select error from media_files where id = ?", String.class, m.id);

        assertThat(scrubber(config(30, 0, true)).run().files()).as("read, as a file in error not read since").isEqualTo(1);

        assertThat(status(m)).isEqualTo("error");
        assertThat(sql.queryForObject("select error from media_files where id = ?", String.class, m.id)).isEqualTo(error);
        assertThat(sql.queryForObject("select count(*) from scrub_findings where media_file_id = ?", Long.class, m.id)).isZero();
        clock.advance(Duration.ofHours(1));
        assertThat(scrubber(config(30, 0, true)).run().files()).as("read once since it went to error").isZero();
    }

    @Test
    void aFileTheScrubPutInErrorReturnsWhenItsBytesArePutBackByHand() throws Exception {
        Media m = archived("by-hand", 30_000, null);
        flipByte(m.original, 5); // sorted/ is its link: no good copy, and no copy source
        Scrubber scrubber = scrubber(config(1, 0, true));

        scrubber.run();
        assertThat(status(m)).isEqualTo("error");

        flipByte(m.original, 5); // the owner puts the good bytes back
        clock.set(Instant.now().plus(Duration.ofDays(2))); // a cycle later, on the database's clock too
        scrubber.run();

        assertThat(status(m)).as("every copy reads right again").isEqualTo("archived");
        assertThat(sql.queryForList("select state from scrub_findings where media_file_id = ?", String.class, m.id))
                .isNotEmpty().containsOnly("resolved");
    }

    @Test
    void aVanishedSortedCopyIsLinkedAgainFromTheOriginal() throws Exception {
        Media m = archived("vanished", 50_000, null);
        Files.delete(m.sorted);

        scrubber(config(1, 0, true)).run();

        assertThat(Files.isSameFile(m.sorted, m.original)).isTrue();
        assertThat(Hasher.sha256(m.sorted)).isEqualTo(m.sha256);
        assertThat(sql.queryForMap("select kind, state, restored_from from scrub_findings where media_file_id = ?", m.id))
                .containsEntry("kind", "vanished").containsEntry("state", "restored")
                .containsEntry("restored_from", m.original.toString());
        assertThat(status(m)).isEqualTo("archived");
    }

    @Test
    void theReadRateStaysUnderItsCap() throws Exception {
        for (int i = 0; i < 3; i++) {
            archived("rate" + i, 1 << 20, null);
        }
        long t0 = System.nanoTime();
        ScrubRun.Figures f = scrubber(config(1, 1, true)).run();
        double seconds = (System.nanoTime() - t0) / 1e9;

        assertThat(f.bytes()).isEqualTo(3L << 20);
        // 1 MiB/s with one second's burst: 3 MiB cannot take much less than 2 s
        assertThat(seconds).isGreaterThan(1.6);
        assertThat(f.mbPerSecond()).isLessThan(1.6);
    }

    @Test
    void theSameDamageIsReportedOnce() throws Exception {
        byte[] compressed = new byte[30_000];
        random.nextBytes(compressed);
        Media m = archived("once", 60_000, compressed);
        flipByte(m.compressed, 3);
        Scrubber scrubber = scrubber(config(1, 0, true));

        assertThat(scrubber.run().findings()).isEqualTo(1);
        clock.advance(Duration.ofDays(1));
        assertThat(scrubber.run().findings()).isZero();

        assertThat(sql.queryForList("select kind from scrub_findings where media_file_id = ? and state = 'open'",
                String.class, m.id)).containsExactly("changed");
        assertThat(sql.queryForObject("select count(*) from pipeline_logs where media_file_id = ? and level = 'warn'",
                Long.class, m.id)).isEqualTo(1);
        assertThat(status(m)).as("a damaged compressed copy is a finding; the original is whole").isEqualTo("archived");

        Files.write(m.compressed, compressed); // put back by hand
        clock.advance(Duration.ofDays(1));
        scrubber.run();
        assertThat(sql.queryForList("select state from scrub_findings where media_file_id = ?", String.class, m.id))
                .containsExactly("resolved");
    }

    @Test
    void nothingIsReadWhileTheGuardIsClosed() throws Exception {
        archived("guarded", 10_000, null);
        Scrubber scrubber = new Scrubber(config(1, 0, true), new ScrubLedger(db.dataSource()), ledger,
                () -> Optional.of("NAS marker missing"), run::runId, "test", clock, () -> sources);

        assertThat(scrubber.run().files()).isZero();
        assertThat(sql.queryForObject("select count(*) from scrub_runs", Long.class)).isZero();
    }

    @Test
    void theRunReportListsTheScrubAndItsFindings() throws Exception {
        Media m = archived("reported", 20_000, null);
        Files.delete(m.sorted);
        clock.set(Instant.now());
        scrubber(config(1, 0, true)).run();

        var report = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(new RunReport(ledger, home).write(run.runId()).file().toFile()).get("scrub");

        assertThat(report.get("runs")).hasSize(1);
        assertThat(report.get("runs").get(0).get("files").asInt()).isEqualTo(1);
        assertThat(report.get("runs").get(0).get("outcome").asText()).isEqualTo("done");
        assertThat(report.get("findings")).hasSize(1);
        assertThat(report.get("findings").get(0).get("path").asText()).isEqualTo(m.sorted.toString());
        assertThat(report.get("findings").get(0).get("state").asText()).isEqualTo("restored");
        run.rollOver();
    }

    @Test
    void aStoppingServiceEndsTheRunAndTheNextRunGoesOn() throws Exception {
        for (int i = 0; i < 3; i++) {
            archived("stop" + i, 1000, null);
        }
        Scrubber scrubber = scrubber(config(1, 0, true));
        scrubber.stop();

        assertThat(scrubber.run().files()).isZero();
        assertThat(sql.queryForMap("select outcome, note from scrub_runs")).containsEntry("outcome", "paused")
                .containsEntry("note", "the service stopped");
        assertThat(scrubber(config(1, 0, true)).run().files()).as("a new start reads them").isEqualTo(3);
    }

    @Test
    void anUnmountedNasIsAPauseNotLostFilesWithRestoreOnOrOff() throws Exception {
        Media m = archived("unmounted", 10_000, null);
        Path originals = home.resolve("originals");
        Path sorted = home.resolve("sorted");
        Files.move(originals, home.resolve("originals.away"));
        Files.move(sorted, home.resolve("sorted.away"));
        sources.add(new FakeSource(m.id, m.bytes));
        try {
            for (boolean restore : List.of(false, true)) {
                assertThat(scrubber(config(1, 0, restore)).run().files()).as("restore=" + restore).isZero();
                assertThat(status(m)).isEqualTo("archived");
                assertThat(originals).as("nothing made on the bare mount point").doesNotExist();
                assertThat(sorted).doesNotExist();
            }
        } finally {
            Files.move(home.resolve("originals.away"), originals);
            Files.move(home.resolve("sorted.away"), sorted);
        }
        assertThat(sql.queryForObject("select count(*) from scrub_findings", Long.class)).isZero();
        assertThat(scrubber(config(1, 0, true)).run().files()).as("mounted again: read").isEqualTo(1);
        assertThat(sql.queryForObject("select scrubbed_at is not null from media_files where id = ?", Boolean.class,
                m.id)).isTrue();
    }

    @Test
    void theGuardClosingMidRunPausesBeforeTheFileGoesToError() throws Exception {
        List<Media> damaged = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Media m = archived("mid-run" + i, 5_000, null);
            flipByte(m.original, 10);
            damaged.add(m);
        }
        // open for the run's start and the first file's look, closed from then on (the NAS dropped)
        int[] asked = {0};
        Guard closing = () -> ++asked[0] <= 2 ? Optional.empty() : Optional.of("NAS marker missing");
        Scrubber scrubber = new Scrubber(config(1, 0, false), new ScrubLedger(db.dataSource()), ledger, closing,
                run::runId, "test", clock, () -> sources);

        scrubber.run();

        assertThat(damaged).allSatisfy(m -> assertThat(status(m)).isEqualTo("archived"));
        assertThat(sql.queryForMap("select outcome, note from scrub_runs")).containsEntry("outcome", "paused")
                .containsEntry("note", "NAS marker missing");
        assertThat(asked[0]).as("asked again before each step, and nothing after the refusal").isEqualTo(3);
        assertThat(sql.queryForObject("select count(*) from scrub_findings", Long.class)).as("nothing reported").isZero();
    }

    @Test
    void aFileWhoseCopiesAndFoldersAllVanishedIsAPauseNotARestore() throws Exception {
        Media m = archived("gone-with-folders", 10_000, null);
        sources.add(new FakeSource(m.id, m.bytes));
        // its own folders (the other tests' files share the usual ones), then gone with them
        Path original = home.resolve("originals/2025/01/gone.jpg");
        Path sorted = home.resolve("sorted/photos/2025/01/01/gone.jpg");
        sql.update("update media_files set original_path = ?, archive_path = ? where id = ?", original.toString(),
                sorted.toString(), m.id);
        Files.delete(m.original);
        Files.delete(m.sorted);
        m = new Media(m.id, m.sha256, m.bytes, original, sorted, null);

        scrubber(config(1, 0, true)).run();

        assertThat(m.original.getParent()).as("no folder made for it").doesNotExist();
        assertThat(status(m)).isEqualTo("archived");
        assertThat(sql.queryForObject("select outcome from scrub_runs", String.class)).isEqualTo("paused");
        assertThat(sql.queryForObject("select count(*) from scrub_findings", Long.class)).isZero();
    }

    @Test
    void aRestoreNeverMakesFoldersUnderAMissingRoot() throws Exception {
        Path bare = Files.createDirectories(dir.resolve("bare-mount"));
        ScrubConfig c = new ScrubConfig(true, "0 0 2 * * ?", 1, 0, true, true, bare);
        Path lostPath = bare.resolve("originals/2026/11/lost.jpg");
        ScrubLedger.Item item = new ScrubLedger.Item(UUID.randomUUID(), "ab".repeat(32), 10, lostPath.toString(), null,
                null, null);
        Scrubber.Copy lost = new Scrubber.Copy("original", lostPath, null, new ScrubLedger.Finding(item.id(),
                "original", lostPath.toString(), "vanished", item.sha256(), null, 10L, null, "not there"));
        Restorer restorer = new Restorer(c, new ScrubLedger(db.dataSource()), new RateReader(new ReadLimiter(0)),
                () -> sources, clock);

        assertThatThrownBy(() -> restorer.restore(item, List.of(lost), null)).isInstanceOf(GuardClosedException.class)
                .hasMessageContaining("originals");
        assertThat(bare.resolve("originals")).doesNotExist();
    }

    @Test
    void aFileAnotherNodeHoldsIsSkippedAndReadOnceReleased() throws Exception {
        Media m = archived("held", 10_000, null);
        byte[] damaged = flipByte(m.original, 3);
        ScrubLedger other = new ScrubLedger(db.dataSource());

        try (ScrubLedger.Claim held = other.claim(m.id).orElseThrow()) {
            assertThat(other.claim(m.id)).as("one claim at a time").isEmpty();
            assertThat(scrubber(config(1, 0, true)).run().files()).isZero();
            assertThat(Files.readAllBytes(m.original)).as("not touched while held").isEqualTo(damaged);
            assertThat(sql.queryForObject("select count(*) from scrub_findings", Long.class)).isZero();
        }
        sources.add(new FakeSource(m.id, m.bytes));
        assertThat(scrubber(config(1, 0, true)).run().files()).isEqualTo(1);
        assertRestored(m, damaged, "fake: cloud/" + m.id);
    }

    @Test
    void twoNodesScrubbingTheSameRowsRestoreEachFileOnce() throws Exception {
        List<Media> rotten = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Media m = archived("race" + i, 20_000, null);
            flipByte(m.original, 1);
            rotten.add(m);
        }
        Map<UUID, Integer> fetched = new java.util.concurrent.ConcurrentHashMap<>();
        CopySource slow = new CopySource() {
            @Override
            public String name() {
                return "fake";
            }

            @Override
            public Optional<String> fetch(UUID id, String sha256, long size, Path into) throws IOException {
                fetched.merge(id, 1, Integer::sum);
                try {
                    Thread.sleep(300); // long enough for the other node to reach the same file
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                byte[] bytes = rotten.stream().filter(m -> m.id.equals(id)).findFirst().orElseThrow().bytes;
                Files.write(into, bytes);
                return Optional.of("cloud/" + id);
            }
        };
        sources.add(slow);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var a = pool.submit(() -> scrubber(config(1, 0, true)).run());
            var b = pool.submit(() -> scrubber(config(1, 0, true)).run());
            assertThat(a.get().files() + b.get().files()).as("each file read by one node").isEqualTo(4);
        } finally {
            pool.shutdownNow();
        }

        assertThat(fetched).hasSize(4).allSatisfy((id, n) -> assertThat(n).as("fetches of " + id).isEqualTo(1));
        for (Media m : rotten) {
            assertThat(status(m)).isEqualTo("archived");
            assertThat(Hasher.sha256(m.original)).isEqualTo(m.sha256);
            assertThat(Files.isSameFile(m.original, m.sorted)).isTrue();
        }
        try (Stream<Path> s = Files.list(rotten.get(0).original.getParent())) {
            assertThat(s.filter(p -> p.getFileName().toString().endsWith(".mp-tmp"))).as("no temp left").isEmpty();
        }
    }

    @Test
    void onlyARestoresOwnTempNamesCountAsItsLeftovers() {
        assertThat(Restorer.isTempOf(".a.jpg", ".a.jpg.mp-tmp")).isTrue();
        assertThat(Restorer.isTempOf(".a.jpg", ".a.jpg." + UUID.randomUUID() + ".mp-tmp")).isTrue();
        assertThat(Restorer.isTempOf(".a.jpg", ".a.jpg2." + UUID.randomUUID() + ".mp-tmp")).isFalse();
        assertThat(Restorer.isTempOf(".a.jpg", ".a.jpg.x.mp-tmp")).isFalse();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private void assertRestored(Media m, byte[] damaged, String from) throws IOException {
        assertThat(Hasher.sha256(m.original)).isEqualTo(m.sha256);
        assertThat(Files.isSameFile(m.original, m.sorted)).as("sorted/ is a link of the restored original").isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(m.original))).isEqualTo("r--r--r--");
        assertThat(status(m)).isEqualTo("archived");
        List<Map<String, Object>> findings = sql.queryForList(
                "select copy, kind, state, restored_from, set_aside_path, found_sha256 from scrub_findings where media_file_id = ? order by copy",
                m.id);
        assertThat(findings).extracting(r -> r.get("copy")).containsExactly("archive", "original");
        assertThat(findings).allSatisfy(r -> assertThat(r).containsEntry("kind", "changed").containsEntry("state", "restored"));
        Map<String, Object> original = findings.get(1);
        assertThat(original.get("restored_from")).isEqualTo(from);
        Path aside = Path.of((String) original.get("set_aside_path"));
        assertThat(aside).startsWith(home.resolve("quarantine/scrub/2026-12-01"));
        assertThat(Files.readAllBytes(aside)).as("the damaged bytes are kept").isEqualTo(damaged);
        assertThat(aside.resolveSibling(aside.getFileName() + ".reason.txt")).content().contains("changed", m.sha256);
        assertThat(original.get("found_sha256")).isEqualTo(Hasher.sha256(aside));
        try (Stream<Path> s = Files.list(m.original.getParent())) {
            assertThat(s.filter(p -> p.getFileName().toString().startsWith("."))).as("no temp left").isEmpty();
        }
    }

    private Scrubber scrubber(ScrubConfig config) {
        return new Scrubber(config, new ScrubLedger(db.dataSource()), ledger, Guard.OPEN, run::runId, "test", clock,
                () -> sources);
    }

    private static ScrubConfig config(int cycleDays, int mbPerSecond, boolean restore) {
        return new ScrubConfig(true, "0 0 2 * * ?", cycleDays, mbPerSecond * (1L << 20), restore, true, home);
    }

    private record Media(UUID id, String sha256, byte[] bytes, Path original, Path sorted, Path compressed) {
    }

    /** An archived file as the stages leave it: a read-only original, its sorted/ hard link, maybe a compressed copy. */
    private Media archived(String name, int size, byte[] compressedBytes) throws IOException {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        Path original = home.resolve("originals/2026/11/" + name + ".jpg");
        Path sorted = home.resolve("sorted/photos/2026/11/30/" + name + ".jpg");
        Files.createDirectories(original.getParent());
        Files.createDirectories(sorted.getParent());
        Files.write(original, bytes);
        Files.setPosixFilePermissions(original, PosixFilePermissions.fromString("r--r--r--"));
        Files.createLink(sorted, original);
        Path compressed = null;
        String compressedSha = null;
        if (compressedBytes != null) {
            compressed = home.resolve("compressed/2026/11/" + name + ".jpg");
            Files.createDirectories(compressed.getParent());
            Files.write(compressed, compressedBytes);
            compressedSha = Hasher.sha256(compressed);
        }
        String sha = Hasher.sha256(original);
        UUID id = sql.queryForObject("""
                insert into media_files (sha256, size, kind, format, extension, source, original_name, original_path,
                                         archive_path, compressed_path, compressed_sha256)
                values (?, ?, 'photo', 'jpeg', 'jpg', 'folder', ?, ?, ?, ?, ?) returning id""", UUID.class,
                sha, size, name + ".jpg", original.toString(), sorted.toString(),
                compressed == null ? null : compressed.toString(), compressedSha);
        sql.update("update media_files set status = 'ingested' where id = ?", id);
        sql.update("update media_files set status = 'archived' where id = ?", id);
        return new Media(id, sha, bytes, original, sorted, compressed);
    }

    /** Bit rot: one byte changes in place (same inode, mode kept); returns the damaged bytes. */
    private static byte[] flipByte(Path file, int at) throws IOException {
        var mode = Files.getPosixFilePermissions(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x10));
            b.rewind();
            ch.write(b, at);
        }
        Files.setPosixFilePermissions(file, mode);
        return Files.readAllBytes(file);
    }

    private static String status(Media m) {
        return sql.queryForObject("select status from media_files where id = ?", String.class, m.id);
    }

    /** A copy source (iCloud's stand-in) that holds the given bytes for one file. */
    private record FakeSource(UUID holds, byte[] bytes) implements CopySource {

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public Optional<String> fetch(UUID mediaFileId, String sha256, long size, Path into) throws IOException {
            if (!mediaFileId.equals(holds)) {
                return Optional.empty();
            }
            Files.write(into, bytes);
            return Optional.of("cloud/" + mediaFileId);
        }
    }

    private static final class TestClock extends Clock {
        private Instant now;

        TestClock(Instant now) {
            this.now = now;
        }

        void set(Instant at) {
            now = at;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
