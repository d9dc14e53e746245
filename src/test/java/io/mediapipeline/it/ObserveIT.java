package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.support.AppProcess;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.PrometheusText;
import io.mediapipeline.support.TestPostgres;
import io.mediapipeline.support.Tools;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The running service as an operator and Prometheus see it on the management port: meters that move when files
 * go through, a fast scrape, readiness that follows the database down and back up, and a second copy on the same
 * data directory refused with one clear line. One service (the packaged jar) on an external PostgreSQL the test
 * can stop.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObserveIT {

    // the dashboard refuses a token shorter than 32 characters
    private static final String TOKEN = "observe-it-token-0123456789abcdef-0123";
    private static final int PHOTOS = 3;

    private Path tmp;
    private TestPostgres pg;
    private PipelineHome pipeline;
    private Process app;
    private Path log;
    private Map<String, String> env;
    private int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void startService(@TempDir Path dir) throws Exception {
        tmp = dir;
        pg = TestPostgres.start(tmp.resolve("server"));
        String url = pg.createDatabase("observe");
        pipeline = new PipelineHome(tmp.resolve("app")).set("pipeline.source.folder.poll-seconds", "1")
                .set("pipeline.status.refresh-seconds", "1")
                .set("pipeline.db.url", url).set("pipeline.db.user", TestPostgres.OWNER)
                // short pool waits, so the service notices the database back soon after it returns
                .set("pipeline.db.connect-timeout-seconds", "2").set("pipeline.db.socket-timeout-seconds", "5");
        port = pipeline.management(TOKEN);
        env = Map.of("PIPELINE_DB_PASSWORD", TestPostgres.OWNER_PASSWORD);
        log = tmp.resolve("service.log");
        app = AppProcess.start(pipeline.config(), log, env);
        await("the service is ready", Duration.ofSeconds(120), () -> status("/observe/health/ready") == 200);
    }

    @AfterAll
    void stopService() throws Exception {
        try {
            if (app != null) {
                app.destroy();
                app.waitFor(60, TimeUnit.SECONDS);
            }
        } finally {
            if (pg != null) {
                pg.close();
            }
        }
    }

    @Test
    @Order(1)
    void theMetersMoveWhenFilesGoThrough() throws Exception {
        await("the status meters have a first reading (NaN until then)", Duration.ofSeconds(30),
                () -> !scrape().value("pipeline_files", "stage", "ingest", "state", "out").orElseThrow().isNaN());
        PrometheusText before = scrape();
        Tools.photos(pipeline.library(), "observe_", PHOTOS, "2021:05:06 07:08:09");
        await("the photos archived", Duration.ofSeconds(90), () -> files(pipeline.sorted()).size() == PHOTOS);
        await("the status meters caught up", Duration.ofSeconds(30),
                () -> {
                    PrometheusText now = scrape();
                    return delta(before, now, "pipeline_files", "stage", "ingest", "state", "out") >= PHOTOS
                            && delta(before, now, "pipeline_files", "stage", "organize", "state", "out") >= PHOTOS;
                });

        PrometheusText after = scrape();
        assertThat(delta(before, after, "pipeline_files", "stage", "ingest", "state", "out"))
                .as("files ingest finished").isEqualTo(PHOTOS);
        assertThat(delta(before, after, "pipeline_files", "stage", "organize", "state", "out"))
                .as("files organize finished").isEqualTo(PHOTOS);
        assertThat(after.value("pipeline_stage_last_success_seconds", "stage", "organize").orElseThrow())
                .as("organize's last success is recent").isGreaterThan(System.currentTimeMillis() / 1000.0 - 600);
        assertThat(delta(before, after, "camel_exchanges_total", "routeId", "ingest"))
                .as("Camel's own counter of the ingest route").isGreaterThanOrEqualTo(PHOTOS);
        assertThat(delta(before, after, "camel_route_policy_seconds_count", "routeId", "organize"))
                .as("the organize route's timer (stage duration)").isGreaterThanOrEqualTo(PHOTOS);
        assertThat(after.value("pipeline_scrub_findings_open")).contains(0.0);
        assertThat(after.value("pipeline_guard_closed")).contains(0.0);
        assertThat(after.sum("jvm_memory_used_bytes")).isPositive();
    }

    @Test
    @Order(2)
    void aScrapeIsFast() throws Exception {
        List<Long> micros = new ArrayList<>();
        int bytes = 0;
        for (int i = 0; i < 20; i++) {
            long started = System.nanoTime();
            HttpResponse<String> r = get("/observe/metrics");
            micros.add((System.nanoTime() - started) / 1000);
            assertThat(r.statusCode()).isEqualTo(200);
            bytes = r.body().length();
        }
        List<Long> sorted = micros.stream().sorted().toList();
        long median = (sorted.get(9) + sorted.get(10)) / 2;
        System.out.printf("observe: /observe/metrics median of 20 scrapes %.1f ms (min %.1f, max %.1f), %d bytes, "
                        + "%d samples%n", median / 1000.0, sorted.get(0) / 1000.0, sorted.get(19) / 1000.0, bytes,
                scrape().samples().size());
        assertThat(median).as("median scrape (µs)").isLessThan(500_000);
    }

    @Test
    @Order(3)
    void aSecondInstanceOnTheSameHomeExitsWithTheLockMessage() throws Exception {
        Path second = tmp.resolve("second.log");
        Process other = AppProcess.start("once", pipeline.config(), second, env);
        assertThat(other.waitFor(120, TimeUnit.SECONDS)).as("the second instance ends").isTrue();
        String out = Files.readString(second);
        assertThat(other.exitValue()).as(out).isEqualTo(1);
        assertThat(out).contains("media-pipeline: another instance is already running on " + pipeline.home()
                + " (pid " + app.pid() + " since ").contains("); stop it first (systemctl stop media-pipeline)");
        assertThat(app.isAlive()).as("the first one keeps running").isTrue();
        assertThat(status("/observe/health/ready")).isEqualTo(200);
    }

    @Test
    @Order(4)
    void readinessFollowsTheDatabaseDownAndBackUp() throws Exception {
        assertThat(status("/observe/health/ready")).isEqualTo(200);
        pg.stop();
        await("readiness DOWN while the database is stopped", Duration.ofSeconds(60),
                () -> status("/observe/health/ready") == 503);
        HttpResponse<String> down = get("/observe/health/ready");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).contains("\"name\":\"database\"").contains("\"status\":\"DOWN\"")
                .contains("ledger database");
        assertThat(status("/observe/health/live")).as("alive all the same: a restart would not help").isEqualTo(200);
        long started = System.nanoTime();
        HttpResponse<String> metrics = get("/observe/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("a scrape does not wait for the database")
                .isLessThan(Duration.ofSeconds(1));

        pg.restart();
        await("readiness UP again once the database is back", Duration.ofSeconds(90),
                () -> status("/observe/health/ready") == 200);
    }

    private PrometheusText scrape() throws Exception {
        HttpResponse<String> r = get("/observe/metrics");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return PrometheusText.parse(r.body());
    }

    private static double delta(PrometheusText before, PrometheusText after, String name, String... labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }

    private HttpResponse<String> get(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(20)).GET().build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private int status(String path) {
        try {
            return get(path).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private void await(String what, Duration limit, Check check) throws Exception {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            if (!app.isAlive()) {
                throw new AssertionError("the service died while waiting for: " + what + "\n" + Files.readString(log));
            }
            if (check.ok()) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("timed out waiting for: " + what + "\n" + tail(Files.readString(log)));
    }

    private static String tail(String s) {
        return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
    }
}
