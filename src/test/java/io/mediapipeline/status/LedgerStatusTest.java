package io.mediapipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.flow.Guard;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ops.Metrics;
import io.mediapipeline.status.Attention.Kind;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The status on a real embedded ledger: each stage's counts as LedgerStatus' javadoc defines them, the ledger-based
 * "needs you" rules coming and going, the backlog's rate and time left, one computation per refresh however many
 * callers, and DATABASE_DOWN (with the last known counts, no secret) when the database goes away.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LedgerStatusTest {

    @TempDir
    static Path dir;

    private static Database db;
    private static JdbcTemplate sql;
    private static StatusLedger rows;
    private static Path home;

    private final StatusLedger.TestClock clock = new StatusLedger.TestClock(Instant.now());
    private SwitchableDataSource ds;
    private final Metrics metrics = new Metrics();

    @BeforeAll
    static void openLedger() {
        PipelineHome pipeline = new PipelineHome(dir);
        home = pipeline.home();
        db = pipeline.openLedger();
        sql = new JdbcTemplate(db.dataSource());
        rows = new StatusLedger(sql);
    }

    @AfterAll
    static void closeLedger() {
        if (db != null) {
            db.close();
        }
    }

    @BeforeEach
    void emptyLedger() {
        rows.empty();
        ds = new SwitchableDataSource(db.dataSource());
    }

    private LedgerStatus status(StatusConfig cfg) {
        return new LedgerStatus(cfg, new StatusQueries(ds, cfg), Map::of,
                new Attentions(cfg, metrics, () -> Guard.OPEN, clock.instant()), clock);
    }

    private LedgerStatus status() {
        return status(StatusLedger.config(home, 50, Duration.ofSeconds(10)));
    }

    private static Map<String, StageView> byStage(Snapshot s) {
        return s.stages().stream().collect(Collectors.toMap(StageView::stage, Function.identity()));
    }

    /** in, out, failed, queued. */
    private static long[] counts(StageView v) {
        return new long[] {v.in(), v.out(), v.failed(), v.queued()};
    }

    @Test
    void eachStageCountsItsFilesAsDefined() {
        UUID m1 = rows.media("ingested");
        UUID m2 = rows.media("archived");
        UUID m3 = rows.media("archived");
        UUID m4 = rows.media("verified");
        UUID m5 = rows.media("cleaned");
        rows.media("error:ingested:organize");
        rows.media("error:ingesting:ingest");
        rows.media("error:archived:verify");
        rows.set(m2, "compress_decision = 'compressed', compressed_size = 400, compressed_at = now()");
        rows.set(m3, "compress_decision = 'failed', compressed_at = now(), verify_after = now() + interval '1 day'");
        rows.set(m4, "compress_decision = 'original', compressed_size = 1000, compressed_at = now()");
        rows.set(m5, "compress_decision = 'skipped', compressed_at = now(), scrubbed_at = now() - interval '1 day'");
        rows.set(m4, "scrubbed_at = now() - interval '40 days'");
        Instant confirmed = Instant.now().minusSeconds(60);
        rows.delivery(m2, "pixel", "staged", null);
        rows.delivery(m3, "pixel", "confirmed", confirmed);
        rows.delivery(m4, "pixel", "confirmed", confirmed);
        rows.delivery(m5, "pixel", "confirmed", confirmed);
        rows.delivery(m4, "icloud", "confirmed", confirmed);
        rows.delivery(m5, "icloud", "sent", null);
        rows.finding(m4, "open");
        rows.finding(m5, "restored");
        rows.removalError(m4);
        for (String d : List.of("imported", "imported", "imported", "duplicate", "quarantined", "pending", "pending",
                "skipped")) {
            rows.input("folder", "/library/" + UUID.randomUUID() + ".jpg", d);
        }
        rows.input("icloud", home.resolve("inbox/icloud/anna/2026/a.jpg").toString(), "imported");
        rows.handedOver("anna", "2026/a.jpg");
        rows.handedOver("anna", "2026/b.jpg");
        rows.handedOver("anna", "2026/c.jpg");
        rows.media("ingested");

        Snapshot s = status().now();

        assertThat(s.stages()).extracting(StageView::stage).containsExactlyElementsOf(StatusConfig.STAGES);
        Map<String, StageView> v = byStage(s);
        assertThat(counts(v.get("sources"))).as("sources: 9 inputs + 2 downloads not taken up; 1 skipped")
                .containsExactly(11, 8, 1, 2);
        assertThat(counts(v.get("ingest"))).as("ingest: 8 taken up, 4 imported + 1 duplicate, 1 quarantined + 1 "
                + "error while ingesting, 2 pending").containsExactly(8, 5, 2, 2);
        assertThat(counts(v.get("organize"))).containsExactly(8, 5, 1, 2);
        assertThat(counts(v.get("compress"))).as("3 decided, 1 failed, 2 ingested without a decision")
                .containsExactly(6, 3, 1, 2);
        assertThat(counts(v.get("pixel"))).as("4 deliveries + 4 originals not staged; 3 proven; 1 staged + 4 waiting")
                .containsExactly(8, 3, 0, 5);
        assertThat(counts(v.get("icloud-upload"))).as("2 uploads + m2 ready; 1 proven; m5 sent + m2 waiting")
                .containsExactly(3, 1, 0, 2);
        assertThat(counts(v.get("verify"))).as("m2 due; m3 waits for its next look").containsExactly(5, 2, 1, 1);
        assertThat(counts(v.get("cleanup"))).containsExactly(2, 1, 1, 1);
        assertThat(counts(v.get("scrub"))).as("4 in the archive, 1 read within 30 days, 1 with open damage")
                .containsExactly(4, 1, 1, 3);
        assertThat(v.get("pixel").lastSuccess()).hasValueSatisfying(t ->
                assertThat(Duration.between(t, confirmed).abs()).isLessThan(Duration.ofMillis(1)));
        assertThat(v.get("organize").lastSuccess()).as("the history's last change to archived").isPresent();
        assertThat(v.get("organize").lastRun()).isPresent();
        assertThat(v.get("cleanup").lastSuccess()).isPresent();
        assertThat(v.get("scrub").lastSuccess()).as("no scrub run yet").isEmpty();
        assertThat(s.totals()).isEqualTo(new Totals(9, 9000, 1400, 600, 3, 1, 4, 3, 1));
        assertThat(s.needsYou()).extracting(Attention::kind).containsExactly(Kind.SCRUB_DAMAGE);
    }

    @Test
    void aStageThatIsOffHasNoQueue() {
        rows.media("ingested");
        StatusConfig all = StatusLedger.config(home, 50, Duration.ofSeconds(10));
        Map<String, Boolean> on = new java.util.HashMap<>(all.enabled());
        on.put("compress", false);
        on.put("pixel", false);
        StatusConfig cfg = new StatusConfig(all.refresh(), 7, all.phoneOffline(), 50, all.progressWindow(),
                all.progressLog(), home, 30, on);
        Map<String, StageView> v = byStage(status(cfg).now());
        assertThat(v.get("compress").queued()).isZero();
        assertThat(v.get("pixel").queued()).isZero();
        assertThat(v.get("organize").queued()).isEqualTo(1);
        assertThat(v.get("compress").routeState()).as("switched off, not merely stopped").isEqualTo(StageView.OFF);
        assertThat(v.get("organize").routeState()).isNotEqualTo(StageView.OFF);
    }

    @Test
    void twoCallsWithinTheRefreshComputeOnce() throws Exception {
        rows.media("ingested");
        LedgerStatus status = status();
        Snapshot first = status.now();
        int statements = ds.statements.get();
        assertThat(statements).as("one snapshot is a handful of statements").isBetween(1, 7);

        clock.advance(Duration.ofSeconds(9));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Snapshot>> calls = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                calls.add(status::now);
            }
            for (Future<Snapshot> f : pool.invokeAll(calls)) {
                assertThat(f.get()).isSameAs(first);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(ds.statements.get()).as("no statement within the refresh").isEqualTo(statements);

        rows.media("ingested");
        clock.advance(Duration.ofSeconds(2));
        Snapshot second = status.now();
        assertThat(ds.statements.get()).isGreaterThan(statements);
        assertThat(byStage(second).get("organize").queued()).isEqualTo(2);
    }

    @Test
    void aLedgerThatCannotBeReadSaysDatabaseDownWithTheLastKnownCounts() {
        rows.media("ingested");
        LedgerStatus status = status();
        Snapshot before = status.now();
        assertThat(before.needsYou()).isEmpty();

        ds.down = true;
        clock.advance(Duration.ofSeconds(11));
        Snapshot down = status.now();
        assertThat(down.needsYou()).extracting(Attention::kind).containsExactly(Kind.DATABASE_DOWN);
        Attention a = down.needsYou().get(0);
        assertThat(a.message()).contains("PostgreSQL").doesNotContain(SwitchableDataSource.SECRET);
        assertThat(a.since()).isEqualTo(clock.instant());
        assertThat(byStage(down).get("organize").queued()).as("last known").isEqualTo(1);
        assertThat(down.totals()).isEqualTo(before.totals());

        ds.down = false;
        clock.advance(Duration.ofSeconds(11));
        assertThat(status.now().needsYou()).isEmpty();
    }

    @Test
    void aLedgerDownFromTheStartStillGivesEveryStage() {
        ds.down = true;
        Snapshot s = status().now();
        assertThat(s.needsYou()).extracting(Attention::kind).containsExactly(Kind.DATABASE_DOWN);
        assertThat(s.stages()).extracting(StageView::stage).containsExactlyElementsOf(StatusConfig.STAGES);
        assertThat(s.stages()).allSatisfy(v -> assertThat(v.queued()).isZero());
    }

    @Test
    void signInNeededAndExpiringComeAndGo() {
        Instant since = Instant.now().minus(Duration.ofHours(3)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        rows.account("anna", "auth-needed", since, null);
        rows.account("carol", "ready", null, Instant.now().plus(Duration.ofDays(3)).plusSeconds(60));
        rows.account("dave", "ready", null, Instant.now().plus(Duration.ofDays(60)));
        long[] bobDays = {5};
        metrics.gauge("icloud.bob.session-days-left", () -> bobDays[0]);
        LedgerStatus status = status();

        List<Attention> found = status.now().needsYou();
        assertThat(found).extracting(Attention::key)
                .containsExactly("SIGN_IN_NEEDED:anna", "SIGN_IN_EXPIRING:bob", "SIGN_IN_EXPIRING:carol");
        assertThat(found.get(0).since()).isEqualTo(since);
        assertThat(found.get(1).message()).contains("in 5 day(s)");
        assertThat(found.get(2).message()).contains("in 3 day(s)");

        rows.account("anna", "ready", null, null);
        rows.account("carol", "ready", null, Instant.now().plus(Duration.ofDays(30)));
        bobDays[0] = 30;
        clock.advance(Duration.ofSeconds(11));
        assertThat(status.now().needsYou()).isEmpty();
    }

    @Test
    void phoneOfflineCountsFromTheLastConfirmationTheLedgerKnows() {
        Instant confirmed = clock.instant().minus(Duration.ofHours(30)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        rows.delivery(rows.media("archived"), "pixel", "confirmed", confirmed);
        metrics.set(Attentions.PHONE_CONNECTED, 0);
        LedgerStatus status = status();

        List<Attention> found = status.now().needsYou();
        assertThat(found).extracting(Attention::kind).containsExactly(Kind.PHONE_OFFLINE);
        assertThat(found.get(0).since()).isEqualTo(confirmed);
        assertThat(found.get(0).message()).contains("30 h");

        metrics.set(Attentions.PHONE_CONNECTED, 1);
        clock.advance(Duration.ofSeconds(11));
        assertThat(status.now().needsYou()).isEmpty();

        metrics.set(Attentions.PHONE_CONNECTED, 0);
        clock.advance(Duration.ofHours(23));
        assertThat(status.now().needsYou()).as("seen connected 23 h ago").isEmpty();
        clock.advance(Duration.ofHours(2));
        assertThat(status.now().needsYou()).extracting(Attention::kind).containsExactly(Kind.PHONE_OFFLINE);
    }

    @Test
    void scrubDamageComesAndGoes() {
        UUID m = rows.media("verified");
        rows.finding(m, "open");
        LedgerStatus status = status();
        assertThat(status.now().needsYou()).extracting(Attention::key).containsExactly("SCRUB_DAMAGE:archive");
        sql.update("update scrub_findings set state = 'resolved'");
        clock.advance(Duration.ofSeconds(11));
        assertThat(status.now().needsYou()).isEmpty();
    }

    @Test
    void aBacklogShowsItsRateAndTimeLeft() {
        List<UUID> files = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            files.add(rows.media("ingested"));
        }
        LedgerStatus status = status();
        Optional<Progress> none = byStage(status.now()).get("compress").progress();
        assertThat(none).as("a first reading has no rate yet")
                .hasValueSatisfying(p -> assertThat(p.timeLeft()).isEmpty());

        for (int i = 0; i < 20; i++) {
            rows.set(files.get(i), "compress_decision = 'compressed', compressed_at = now()");
        }
        clock.advance(Duration.ofMinutes(2));
        Progress p = byStage(status.now()).get("compress").progress().orElseThrow();
        assertThat(p.left()).isEqualTo(80);
        assertThat(p.perMinute()).isEqualTo(10.0);
        assertThat(p.timeLeft()).contains(Duration.ofMinutes(8));

        for (int i = 20; i < 60; i++) {
            rows.set(files.get(i), "compress_decision = 'compressed', compressed_at = now()");
        }
        clock.advance(Duration.ofMinutes(2));
        assertThat(byStage(status.now()).get("compress").progress()).as("below the 50 files of a backlog").isEmpty();
    }

    @Test
    void theModuleBindsOneStatusForEveryView() throws Exception {
        rows.media("ingested");
        io.mediapipeline.config.Settings settings = new PipelineHome(dir.resolve("module")).settings();
        org.apache.camel.main.Main main = new org.apache.camel.main.Main();
        java.nio.file.Files.createDirectories(dir.resolve("no-routes"));
        java.util.Properties p = new java.util.Properties();
        p.setProperty("camel.main.routes-include-pattern", "file:" + dir.resolve("no-routes") + "/*.camel.yaml");
        main.setOverrideProperties(p);
        main.bind("settings", settings);
        main.bind("dataSource", db.dataSource());
        main.bind("metrics", metrics);
        StatusModule module = new StatusModule();
        module.check(settings);
        main.configure().addConfiguration(module);
        main.configure().addRoutesBuilder(new org.apache.camel.builder.RouteBuilder() {
            @Override
            public void configure() {
                from("direct:ingest").routeId("ingest").routeGroup("ingest").log("in");
            }
        });
        main.start();
        try {
            PipelineStatus status = main.getCamelContext().getRegistry()
                    .lookupByNameAndType("pipelineStatus", PipelineStatus.class);
            Snapshot s = status.now();
            assertThat(status.now()).as("cached").isSameAs(s);
            StageView ingest = byStage(s).get("ingest");
            assertThat(ingest.routes()).containsExactly("ingest");
            assertThat(ingest.routeState()).isEqualTo("Started");
            assertThat(byStage(s).get("organize").queued()).isEqualTo(1);
            assertThat(byStage(s).get("organize").routeState()).as("no route loaded").isEqualTo("Stopped");
        } finally {
            main.stop();
        }
    }

    @Test
    void twentyThousandFilesTakeAFewStatements() {
        sql.update("""
                insert into media_files (sha256, size, kind, format, extension, source, original_name)
                select lpad(to_hex(g), 64, '0'), 1000, 'photo', 'jpeg', 'jpg', 'folder', 'f' || g || '.jpg'
                  from generate_series(1000000, 1019999) g""");
        sql.update("update media_files set status = 'ingested', original_path = '/o/' || sha256");
        sql.update("update media_files set status = 'archived', archive_path = '/s/' || sha256, compress_decision = 'compressed', compressed_size = 500");
        sql.update("update media_files set status = 'verified', verified_at = now() where sha256 < lpad(to_hex(1010000), 64, '0')");
        sql.update("insert into deliveries (media_file_id, target, state, confirmed_at) select id, 'pixel', 'confirmed', now() from media_files");
        sql.update("""
                insert into source_files (source, source_key, source_path, disposition, media_file_id)
                select 'folder', 'k' || sha256, '/l/' || sha256, 'imported', id from media_files""");
        sql.execute("analyze");
        LedgerStatus status = status();
        long started = System.nanoTime();
        Snapshot s = status.now();
        long firstMs = (System.nanoTime() - started) / 1_000_000;
        int statements = ds.statements.get();
        clock.advance(Duration.ofSeconds(11));
        started = System.nanoTime();
        status.now();
        long secondMs = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("status snapshot on 20,000 files: %d statements, first %d ms, next %d ms%n", statements,
                firstMs, secondMs);
        assertThat(s.totals().files()).isEqualTo(20_000);
        assertThat(byStage(s).get("cleanup").queued()).isEqualTo(10_000);
        assertThat(byStage(s).get("cleanup").progress()).as("a backlog").isPresent();
        assertThat(byStage(s).get("scrub").queued()).isEqualTo(20_000);
        assertThat(byStage(s).get("scrub").progress()).as("the scrub is paced, never a backlog").isEmpty();
        assertThat(statements).isLessThanOrEqualTo(7);
        assertThat(secondMs).isLessThan(5_000);
    }
}
