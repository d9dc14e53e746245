package io.mediapipeline.it;

import static io.mediapipeline.support.OutageRig.await;
import static io.mediapipeline.support.OutageRig.since;
import static io.mediapipeline.support.OutageRig.size;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.fixture.FixtureLibrary;
import io.mediapipeline.fixture.IcloudFixture;
import io.mediapipeline.support.AppProcess;
import io.mediapipeline.support.OutageRig;
import io.mediapipeline.support.OutageRig.DoctorRun;
import io.mediapipeline.support.OutageRig.Http;
import io.mediapipeline.support.OutageRig.Row;
import io.mediapipeline.support.OutageRig.Step;
import io.mediapipeline.support.OutageRig.Trickle;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.TestPostgres;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outage campaign's iCloud faults over the running service (the packaged jar in service mode), the iCloud upload
 * on against the fixture's iCloud while photos keep arriving in the folder source: the fixture down (every
 * connection closed unanswered) for ~8 s, then throttling (HTTP 429 with Retry-After to every request) for ~8 s.
 * For each: the upload says it paused, doctor says why, no asset is created while it lasts, no file is charged for
 * it, and the photos that arrived meanwhile go up and are proven by themselves once it clears. At the end: one
 * confirmed iCloud delivery per photo, each content once in the fixture's library, and every upload the ledger
 * claims is there byte for byte. The readiness check has no iCloud part (iCloud away is not the process's fault,
 * like the phone away): it is asserted to stay ready, and doctor is where the cause shows.
 */
class OutageCampaignIcloudIT {

    private static final String USER = "outage.icloud@example.com";
    private static final String TOKEN = "outage-icloud-token-0123456789abcdef";
    private static final Duration FAULT = Duration.ofSeconds(8);
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private TestPostgres pg;
    private IcloudFixture fixture;
    private Path log;
    private int port;
    private Path config;
    private Map<String, String> env;
    private Trickle trickle;
    private final List<Row> rows = new ArrayList<>();

    @Test
    void icloudDownThenThrottlingPausesTheUploadChargesNoFileAndResumesByItself() throws Exception {
        long started = System.nanoTime();
        pg = TestPostgres.start(tmp.resolve("pg"));
        try (IcloudFixture icloud = new IcloudFixture()) {
            fixture = icloud;
            PipelineHome pipeline = new PipelineHome(tmp.resolve("p"));
            fixture.writeSession(pipeline.home().resolve("state/icloud-cookies/default"), USER);
            pipeline.set("pipeline.db.url", pg.createDatabase("outage")).set("pipeline.db.user", TestPostgres.OWNER)
                    .set("pipeline.source.folder.poll-seconds", "1")
                    .set("pipeline.source.icloud.username", USER)
                    // Apple's throttling backs an account off for an hour; here a second, so the test sees it end
                    .set("pipeline.source.icloud.throttle.initial-backoff-seconds", "1")
                    .set("pipeline.source.icloud.throttle.max-backoff-seconds", "4")
                    .set("pipeline.source.icloud.max-attempts-per-hour", "1000")
                    .set("pipeline.compress.enabled", "true")
                    .set("pipeline.timezone", "UTC")
                    .set("pipeline.target.icloud.enabled", "true")
                    .set("pipeline.target.icloud.setup-url", fixture.setupUrl().toString())
                    .set("pipeline.target.icloud.local-files", "true")
                    .set("pipeline.target.icloud.poll-seconds", "1")
                    .set("pipeline.target.icloud.request-timeout-seconds", "5")
                    .set("pipeline.target.icloud.proof.poll-initial-ms", "100")
                    .set("pipeline.target.icloud.proof.poll-max-ms", "500")
                    .set("pipeline.target.icloud.proof.timeout-seconds", "60")
                    .set("pipeline.target.icloud.proof.download-share-percent", "100")
                    .set("pipeline.doctor.min-free-gb", "0");
            port = pipeline.management(TOKEN);
            config = pipeline.config();
            env = Map.of("PIPELINE_DB_PASSWORD", TestPostgres.OWNER_PASSWORD);
            Path pool = Files.createDirectories(tmp.resolve("pool"));
            Tools.photos(pool, "icloud_outage_", 60, "2022:06:07 08:09:10");

            log = tmp.resolve("service.log");
            Process app = AppProcess.start(config, log, env);
            try {
                await("the service is ready", LIMIT, log, () -> Http.get(port, TOKEN, "/observe/health/ready").status() == 200);
                trickle = new Trickle(pool, pipeline.library(), Duration.ofMillis(1000)).start();
                await("the first photos confirmed in iCloud", LIMIT, log, () -> confirmed() >= 2);

                fault("iCloud down (connection closed)", () -> fixture.faults().down(true),
                        () -> fixture.faults().down(false), "uploads paused: iCloud cannot be reached",
                        "did not answer", "iCloud answers again; uploads resumed");
                fault("iCloud throttling (HTTP 429)", () -> fixture.faults().throttleAll(429),
                        () -> fixture.faults().throttleAll(0), "backing off after throttled",
                        "throttl", "upload batch success");

                trickle.close();
                int handed = trickle.count();
                await("every photo handed over confirmed in iCloud", LIMIT, log, () -> confirmed() >= handed);
            } finally {
                if (trickle != null) {
                    trickle.close();
                }
                app.destroy();
                assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("the service stops on SIGTERM").isTrue();
                OutageRig.keep(log, "OutageCampaignIcloudIT");
            }
            nothingLostOrDoubled();
        } finally {
            pg.close();
        }
        OutageRig.printTable("Outage campaign, iCloud (service mode, folder source, upload to the fixture)", rows,
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
    }

    /**
     * One fault held {@link #FAULT}: the upload says it paused ({@code logLine}); doctor names the cause
     * ({@code doctorSays}) while readiness stays 200; no asset is created after a settling second and no file is
     * failed or charged a try; photos keep arriving. Cleared: uploads resume by themselves,
     * the service says so ({@code resumedLine}) and a new asset is created. The photos handed over meanwhile are
     * checked at the end, once the trickle stopped: all confirmed.
     */
    private void fault(String name, Step inject, Step clear, String logLine, String doctorSays, String resumedLine)
            throws Exception {
        long offset = size(log);
        long injected = System.nanoTime();
        int handedBefore = trickle.count();
        inject.run();
        // doctor is a JVM of its own and takes seconds: it runs while the fault is held, not after
        Path doctorOut = tmp.resolve("doctor-" + rows.size() + ".log");
        CompletableFuture<DoctorRun> asked = CompletableFuture.supplyAsync(() -> {
            try {
                return DoctorRun.of(config, doctorOut, env);
            } catch (Exception e) {
                throw new IllegalStateException("doctor could not run", e);
            }
        });
        await(name + ": the service says the upload paused (" + logLine + ")", LIMIT, log,
                () -> since(log, offset).contains(logLine));
        Thread.sleep(1000); // a request answered just before the fault may still register
        int assetsBefore = fixture.assetsCreated();
        DoctorRun doctor = asked.get(120, TimeUnit.SECONDS);
        assertThat(doctor.out()).as(name + ": doctor says why:\n" + doctor.out()).contains("icloud up default")
                .containsIgnoringCase(doctorSays);
        int ready = Http.get(port, TOKEN, "/observe/health/ready").status();
        assertThat(ready).as(name + ": readiness has no iCloud part; the process is fine").isEqualTo(200);
        long left = FAULT.toNanos() - (System.nanoTime() - injected);
        Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(left)));
        boolean paused = fixture.assetsCreated() == assetsBefore;
        assertThat(paused).as(name + ": no asset created while it lasts").isTrue();
        assertThat(count("select count(*) from deliveries where target = 'icloud' and (attempts > 0 or state = 'failed')"))
                .as(name + ": no file charged for it").isZero();
        int handed = trickle.count();
        assertThat(handed).as(name + ": photos arrived meanwhile").isGreaterThan(handedBefore);
        long held = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - injected);
        long cleared = System.nanoTime();
        long clearedAt = size(log);
        int assetsAtClear = fixture.assetsCreated();
        clear.run();
        // the photos handed over meanwhile are proven at the end (the next fault may come first, as in life)
        await(name + ": uploads resume by themselves (" + resumedLine + ")", LIMIT, log,
                () -> since(log, clearedAt).contains(resumedLine) && fixture.assetsCreated() > assetsAtClear);
        long resumed = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - cleared);
        String said = doctor.out().lines().filter(l -> l.contains("icloud up default")).findFirst().orElse("")
                .replaceAll("\\s+", " ").trim();
        rows.add(new Row(name, held, paused, "ready " + ready + "; doctor WARN", resumed));
        String pausedLine = since(log, offset).lines().filter(l -> l.contains(logLine)).findFirst().orElse("")
                .replaceFirst("^\\S+ \\S+ ", "");
        System.out.println(name + ": doctor said [" + said + "]; the service said [" + pausedLine + "]");
    }

    private int confirmed() {
        return (int) count("select count(*) from deliveries where target = 'icloud' and state = 'confirmed'");
    }

    /**
     * Every photo handed over: archived once, one iCloud delivery, confirmed, never charged a try; the fixture holds
     * each uploaded content once, one asset per file, and every asset the ledger names holds the bytes it says.
     */
    private void nothingLostOrDoubled() throws Exception {
        List<Trickle.Added> added = trickle.added();
        assertThat(added).hasSizeGreaterThan(20);
        List<String> archived = column("select sha256 from media_files where status = 'archived'");
        assertThat(archived).as("each photo archived once")
                .containsExactlyInAnyOrderElementsOf(added.stream().map(Trickle.Added::sha256).toList());
        List<String> deliveries = column("""
                select d.state || ' ' || d.attempts || ' ' || d.asset_record || ' ' || d.uploaded_sha256
                  from deliveries d join media_files m on m.id = d.media_file_id where d.target = 'icloud'""");
        assertThat(deliveries).as("one iCloud delivery per photo").hasSize(added.size());
        FixtureLibrary library = fixture.library(USER);
        List<String> contents = new ArrayList<>();
        for (String d : deliveries) {
            String[] f = d.split(" ");
            assertThat(f[0] + " " + f[1]).as(d).isEqualTo("confirmed 0");
            FixtureLibrary.Asset asset = library.asset(f[2]).orElseThrow(() -> new AssertionError("iCloud lacks " + d));
            byte[] held = library.master(asset.masterRef()).orElseThrow().bytes();
            assertThat(sha(held)).as("iCloud holds what the ledger says went up: " + d).isEqualTo(f[3]);
            contents.add(f[3]);
        }
        assertThat(contents).as("each content once").doesNotHaveDuplicates();
        assertThat(library.assets()).as("one asset per photo in the library").hasSize(added.size());
        assertThat(fixture.assetsCreated()).as("no asset created twice").isEqualTo(added.size());
        System.out.println("iCloud outage campaign: " + added.size() + " photos handed over, each archived once, "
                + "uploaded once and proven in the fixture's library, none charged for an outage");
    }

    private static String sha(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private long count(String sql) {
        return OutageRig.count(pg, "outage", sql);
    }

    private List<String> column(String sql) throws SQLException {
        return OutageRig.column(pg, "outage", sql);
    }
}
