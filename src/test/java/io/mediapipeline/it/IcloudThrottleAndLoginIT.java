package io.mediapipeline.it;

import static io.mediapipeline.it.IcloudDownloadIT.waitFor;
import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.Application;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.IcloudStandIn;
import io.mediapipeline.support.AppProcess;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two accounts in one service. "busy" is throttled by Apple (HTTP 503) on every try: the attempts back
 * off exponentially and stop at the hourly limit. "anna" needs an MFA code: the first attempt finds
 * that out and no further attempt is made, until the code is entered on the dashboard's sign-in page (driven
 * here over HTTP as a browser would: token once, then the session cookie and each form's CSRF field); then her photos are downloaded and archived. No password in any command line or log.
 */
class IcloudThrottleAndLoginIT {

    private static final String BUSY = "busy@example.com";
    private static final String ANNA = "anna@example.com";
    private static final String BUSY_PASSWORD = "Busy-Pa55-q8Wz1";
    private static final String ANNA_PASSWORD = "Anna-Pa55-x3Kp9";
    private static final String TOKEN = "login-token-5b1e0c-9d4f2a7e31c8b6a0f5e2";
    private static final int MAX_PER_HOUR = 4;

    @TempDir
    Path tmp;

    @Test
    void throttlingBacksOffWithinTheHourlyLimitAndTheLoginPageResumesAnMfaBlockedAccount() throws Exception {
        IcloudStandIn icloud = new IcloudStandIn(tmp);
        icloud.marker(BUSY, "throttle", "");
        icloud.marker(BUSY, "password", BUSY_PASSWORD);
        icloud.marker(ANNA, "mfa", "");
        icloud.marker(ANNA, "mfa-code", "314159");
        icloud.marker(ANNA, "password", ANNA_PASSWORD);
        Path day = Files.createDirectories(icloud.user(ANNA).resolve("library/2023/12/24"));
        Tools.photos(day, "IMG_", 2, "2023:12:24 18:00:00");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        PipelineHome pipeline = icloud.pipeline(tmp, "busy", BUSY, "anna", ANNA)
                .set("pipeline.source.inbox.poll-seconds", "1")
                .set("pipeline.source.icloud.throttle.initial-backoff-seconds", "1")
                .set("pipeline.source.icloud.throttle.max-backoff-seconds", "4")
                .set("pipeline.source.icloud.max-attempts-per-hour", String.valueOf(MAX_PER_HOUR))
                .set("pipeline.management.enabled", "true")
                .set("pipeline.management.port", String.valueOf(port))
                // Camel's management server, which the dashboard is mounted on
                .set("camel.management.enabled", "true")
                .set("camel.management.host", "127.0.0.1")
                .set("camel.management.port", String.valueOf(port))
                .set("pipeline.source.icloud.stop-grace-seconds", "3");
        Path config = pipeline.config();
        Map<String, String> env = Map.of("FAKE_ICLOUD", icloud.root().toString(),
                "PIPELINE_SOURCE_ICLOUD_ACCOUNT_BUSY_PASSWORD", BUSY_PASSWORD,
                "PIPELINE_SOURCE_ICLOUD_ACCOUNT_ANNA_PASSWORD", ANNA_PASSWORD,
                "PIPELINE_MANAGEMENT_TOKEN", TOKEN);
        Path log = tmp.resolve("app.log");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String base = "http://127.0.0.1:" + port;

        List<Double> busyStarts;
        try (IcloudStandIn.ProcWatcher watcher = new IcloudStandIn.ProcWatcher(BUSY_PASSWORD, icloud.binary());
             IcloudStandIn.ProcWatcher watcher2 = new IcloudStandIn.ProcWatcher(ANNA_PASSWORD, icloud.binary())) {
            Process app = AppProcess.start(config, log, env);
            // throttled: 1 + 2 + 4 s of backoff (capped at 4) between the 4 allowed attempts, then the circuit stays open
            // the app alone can take a minute to start on a loaded machine
            waitFor(app, log, 180, () -> icloud.ends(BUSY, "download").size() >= MAX_PER_HOUR);
            waitFor(app, log, 30, () -> icloud.ends(ANNA, "download").size() >= 1);
            // after the 4th backoff the circuit breaker keeps it shut; the retry timer looks every second meanwhile
            waitFor(app, log, 30, () -> {
                try {
                    return Files.readString(log).contains("iCloud busy: not downloading now: circuit open");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            Thread.sleep(3000);
            assertThat(icloud.startTimes(ANNA, "download")).as("attempts while MFA is needed").hasSize(1);
            busyStarts = icloud.startTimes(BUSY, "download");
            List<Double> gaps = new ArrayList<>();
            for (int i = 1; i < busyStarts.size(); i++) {
                gaps.add(busyStarts.get(i) - busyStarts.get(i - 1));
            }
            System.out.println("throttled attempt times (epoch s): " + busyStarts + " gaps (s): " + gaps);
            assertThat(busyStarts).as("never more than the hourly limit").hasSize(MAX_PER_HOUR);
            assertThat(gaps.get(0)).isGreaterThanOrEqualTo(0.9);
            assertThat(gaps.get(1)).isGreaterThanOrEqualTo(1.9);
            assertThat(gaps.get(2)).isGreaterThanOrEqualTo(3.9);
            assertThat(icloud.ends(BUSY, "download")).allSatisfy(l -> assertThat(l).contains("password=ok"));

            // MFA needed: one attempt, then none, whatever the schedule says
            assertThat(icloud.startTimes(ANNA, "download")).as("attempts while MFA is needed").hasSize(1);
            assertThat(files(pipeline.sorted())).isEmpty();

            // the dashboard: token required
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/signin")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/signin?token=wrong")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
            HttpResponse<String> first = http.send(HttpRequest.newBuilder(URI.create(base + "/signin?token=" + TOKEN))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(first.statusCode()).isEqualTo(303);
            String cookie = first.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
            String page = get(http, base + "/signin", cookie);
            assertThat(page).contains("anna", "auth-needed", "busy", "backing-off");
            java.util.regex.Matcher csrf = java.util.regex.Pattern.compile("name=\"csrf\" value=\"([0-9a-f]+)\"")
                    .matcher(page);
            assertThat(csrf.find()).isTrue();
            // "send code": icloudpd --auth-only starts and waits at the code prompt
            assertThat(post(http, base, cookie, Map.of("csrf", csrf.group(1), "action", "request-code", "account", "anna")))
                    .contains("Apple sent a code");
            assertThat(post(http, base, cookie, Map.of("csrf", csrf.group(1), "action", "submit-code", "account", "anna",
                    "code", "12ab"))).contains("The code has six digits");
            assertThat(post(http, base, cookie, Map.of("csrf", csrf.group(1), "action", "submit-code", "account", "anna",
                    "code", "314159"))).contains("Code accepted: anna is signed in");
            // downloads resume at once
            waitFor(app, log, 60, () -> files(pipeline.sorted()).size() == 2);
            assertThat(icloud.ends(ANNA, "auth-only")).singleElement().satisfies(l -> assertThat(l).contains("password=ok"));
            assertThat(icloud.startTimes(BUSY, "download")).as("still within the hourly limit").hasSize(MAX_PER_HOUR);

            app.destroy();
            assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(app.exitValue()).isEqualTo(143);
            watcher.close();
            watcher2.close();
            assertThat(watcher.hits()).isEmpty();
            assertThat(watcher2.hits()).isEmpty();
            // the watchers looked at the stand-in itself (the interpreter running it, per account), not only at nothing
            assertThat(watcher.standInSeen()).as("busy's icloudpd seen and checked")
                    .anySatisfy(c -> assertThat(c).contains("python").contains(BUSY));
            assertThat(watcher2.standInSeen()).as("anna's icloudpd seen and checked")
                    .anySatisfy(c -> assertThat(c).contains("python").contains(ANNA));
        }
        String text = Files.readString(log);
        assertThat(text).doesNotContain(BUSY_PASSWORD).doesNotContain(ANNA_PASSWORD).doesNotContain(TOKEN)
                .doesNotContain("314159");
        assertThat(text).contains("iCloud busy: throttled", "iCloud anna: auth-needed", "iCloud anna: signed in");

        try (Database db = pipeline.openLedger()) {
            List<Map<String, Object>> attempts = query(db,
                    "select account, kind, outcome, started_at from icloud_attempts order by id");
            attempts.forEach(r -> System.out.println("attempt " + r));
            assertThat(attempts).filteredOn(r -> r.get("account").equals("busy"))
                    .extracting(r -> r.get("kind") + ":" + r.get("outcome"))
                    .as("retries really fire: only the first attempt came from the start")
                    .containsExactly("startup:throttled", "retry:throttled", "retry:throttled", "retry:throttled");
            assertThat(attempts).filteredOn(r -> r.get("account").equals("anna"))
                    .extracting(r -> r.get("kind") + ":" + r.get("outcome"))
                    .containsExactly("startup:auth-needed", "login:success", "retry:success");
            List<Map<String, Object>> logs = query(db,
                    "select level, message from pipeline_logs where stage = 'download-icloud' order by id");
            logs.forEach(r -> System.out.println("pipeline_logs " + r));
            assertThat(logs).anySatisfy(r -> assertThat(r.get("message") + "").contains("iCloud busy: throttled"));
            assertThat(logs).anySatisfy(r -> assertThat(r.get("message") + "").contains("circuit open"));
            assertThat(logs).anySatisfy(r -> assertThat(r.get("message") + "").contains("iCloud anna: auth-needed"));
            assertThat(logs).anySatisfy(r -> assertThat(r.get("message") + "").contains("iCloud anna: signed in"));
            assertThat(logs).noneSatisfy(r -> assertThat(r.get("message") + "").contains(ANNA_PASSWORD));
            assertThat(query(db, "select count(*) as n from media_files where source = 'icloud' and status = 'archived'")
                    .get(0).get("n")).isEqualTo(2L);
        }

        // doctor shows each account's state
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc;
        // the passwords as the service has them (here as -D settings: this JVM's environment cannot be changed)
        String busyKey = "pipeline.source.icloud.account.busy.password";
        String annaKey = "pipeline.source.icloud.account.anna.password";
        try {
            System.setProperty(busyKey, BUSY_PASSWORD);
            System.setProperty(annaKey, ANNA_PASSWORD);
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            rc = Application.run(new String[] {"doctor", "--config", config.toString()});
        } finally {
            System.setOut(old);
            System.clearProperty(busyKey);
            System.clearProperty(annaKey);
        }
        String doctor = out.toString(StandardCharsets.UTF_8);
        System.out.println(doctor);
        assertThat(doctor).containsPattern("WARN  icloud busy +circuit open: 4 icloudpd starts in the last hour")
                .containsPattern("WARN  icloud busy +backing off until")
                .containsPattern("OK    icloud anna +last success")
                .containsPattern("OK    icloud anna +session valid until")
                .doesNotContain(ANNA_PASSWORD).doesNotContain(TOKEN);
        // a throttled account and an open circuit are warnings; nothing here is broken
        assertThat(doctor).doesNotContain("FAIL").contains("Nothing to fix.");
        assertThat(rc).as("doctor exit code: 0, nothing broken").isEqualTo(0);
    }

    private static String get(HttpClient http, String url, String cookie) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Cookie", cookie)
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    /** Posts the sign-in form and returns the page it leads to (its one-time message says what happened). */
    private static String post(HttpClient http, String base, String cookie, Map<String, String> form) throws Exception {
        StringBuilder body = new StringBuilder();
        form.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&").append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/signin")).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Cookie", cookie)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        return get(http, base + r.headers().firstValue("Location").orElseThrow(), cookie);
    }
}
