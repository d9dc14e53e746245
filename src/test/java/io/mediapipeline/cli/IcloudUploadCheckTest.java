package io.mediapipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.mediapipeline.cli.IcloudUploadCheck.Finding;
import io.mediapipeline.cli.IcloudUploadCheck.Level;
import io.mediapipeline.icloud.IcloudStore;
import io.mediapipeline.icloud.web.IcloudWebClient;
import io.mediapipeline.icloud.web.IcloudWebException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * doctor's iCloud upload finding against a loopback server that answers accountLogin as iCloud's setup service
 * does: it signs in from a copy of icloudpd's session, says what the account lacks, never uploads, and leaves
 * neither the copy nor a token behind.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IcloudUploadCheckTest {

    private static final String USER = "anna.b@example.com";
    private static final String NAME = "annabexamplecom";
    private static final String SESSION_TOKEN = "SESSION-TOKEN-do-not-show-4711";
    private static final String TRUST_TOKEN = "TRUST-TOKEN-do-not-show-0815";
    private static final String COOKIE = "WEBAUTH-COOKIE-do-not-show-1234";
    private static final String HINT = "http://127.0.0.1:8765/icloud/login?token=…";

    @TempDir
    Path tmp;

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile String login = login(false, true);
    private volatile boolean adp;
    private Path cookies;
    private Path state;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(ex.getRequestURI().getPath() + " " + body);
            // the web app asks this when accountLogin says pcsRequired: the account's ADP answer
            String ok = ex.getRequestURI().getPath().endsWith("/requestWebAccessState")
                    ? "{\"isICDRSDisabled\":" + adp + "}" : login;
            byte[] answer = (status == 200 ? ok : "{\"error\":\"no\"}").getBytes(StandardCharsets.UTF_8);
            if (status == 503) {
                ex.getResponseHeaders().add("Retry-After", "120");
            }
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        server.start();
        cookies = Files.createDirectories(tmp.resolve("home/state/icloud-cookies/anna"));
        state = tmp.resolve("home/state");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void reusableSessionWithBothWebServicesIsOkAndNothingIsUploaded() throws IOException {
        writeSession();
        FileTime before = Files.getLastModifiedTime(cookies.resolve(NAME + ".session"));

        Finding f = check();

        assertThat(f.level()).as(f.toString()).isEqualTo(Level.OK);
        assertThat(f.detail()).contains("photosupload", "ckdatabasews", "no Advanced Data Protection");
        // the service saw icloudpd's tokens, so the copy was what signed in
        assertThat(requests).anySatisfy(r -> assertThat(r).contains("accountLogin", SESSION_TOKEN));
        assertThat(requests).noneMatch(r -> r.matches("(?s).*(createUploadUrl|putAsset|singleFileUpload|records/modify).*"));
        assertThat(Files.getLastModifiedTime(cookies.resolve(NAME + ".session"))).isEqualTo(before);
        assertNoCopyLeftAndNoSecretShown(f);
    }

    @Test
    void advancedDataProtectionFailsAndSaysWhatTheUserCanDo() throws IOException {
        writeSession();
        login = login(true, true);
        adp = true;

        Finding f = check();

        assertThat(f.level()).isEqualTo(Level.FAIL);
        assertThat(f.detail()).contains("Advanced Data Protection");
        assertThat(f.fix()).contains("pipeline.target.icloud.enabled=false", "Advanced Data Protection");
        assertNoCopyLeftAndNoSecretShown(f);
    }

    @Test
    void pcsRequiredWithoutAdpIsNotRefused() throws IOException {
        writeSession();
        login = login(true, true);
        adp = false;

        Finding f = check();

        assertThat(f.level()).as(f.toString()).isEqualTo(Level.OK);
        assertThat(requests).anySatisfy(r -> assertThat(r).contains("requestWebAccessState"));
    }

    @Test
    void clientThatRefusesAdpItselfGivesTheSameFinding() throws IOException {
        writeSession();
        IcloudUploadCheck check = new IcloudUploadCheck((dir, user) -> {
            throw new IcloudWebException(IcloudWebException.Kind.ADP_REQUIRED, 0, "pcsRequired");
        }, state);

        Finding f = check.session("anna", USER, cookies, HINT);

        assertThat(f.level()).isEqualTo(Level.FAIL);
        assertThat(f.fix()).contains("pipeline.target.icloud.enabled=false");
        assertNoCopyLeftAndNoSecretShown(f);
    }

    @Test
    void expiredSessionSaysSignInAgainOnTheLoginPage() throws IOException {
        writeSession();
        status = 421;

        Finding f = check();

        assertThat(f.level()).isEqualTo(Level.FAIL);
        assertThat(f.detail()).contains("expired");
        assertThat(f.fix()).contains("sign in again on the login page", HINT);
        assertNoCopyLeftAndNoSecretShown(f);
    }

    @Test
    void throttledAccountIsOnlyAWarning() throws IOException {
        writeSession();
        status = 503;

        Finding f = check();

        assertThat(f.level()).isEqualTo(Level.WARN);
        assertThat(f.detail()).contains("throttling");
        assertNoCopyLeftAndNoSecretShown(f);
    }

    @Test
    void accountWithoutTheUploadServiceFailsNamingIt() throws IOException {
        writeSession();
        login = login(false, false);

        Finding f = check();

        assertThat(f.level()).isEqualTo(Level.FAIL);
        assertThat(f.detail()).contains("photosupload").doesNotContain("ckdatabasews");
        assertThat(f.fix()).contains("Access iCloud Data on the Web");
    }

    @Test
    void noIcloudpdSessionFailsWithoutAskingIcloud() throws IOException {
        Finding f = check();

        assertThat(f.level()).isEqualTo(Level.FAIL);
        assertThat(f.detail()).contains("no icloudpd session", cookies.toString());
        assertThat(f.fix()).contains(HINT);
        assertThat(requests).isEmpty();
    }

    @Test
    void throttledOrSignInNeededAccountIsNotAskedAgain() {
        Instant now = Instant.now();
        Finding throttled = IcloudUploadCheck.blocked("anna", state("backing-off", "throttled", now.plusSeconds(3600)), HINT, now);
        assertThat(throttled.level()).isEqualTo(Level.WARN);
        assertThat(throttled.detail()).startsWith("not tried").contains(now.plusSeconds(3600).toString());

        Finding signIn = IcloudUploadCheck.blocked("anna", state("auth-needed", "auth-needed", null), HINT, now);
        assertThat(signIn.level()).isEqualTo(Level.FAIL);
        assertThat(signIn.fix()).contains(HINT);

        // a retry after a plain failure, or a backoff that is over, does not keep doctor from asking
        assertThat(IcloudUploadCheck.blocked("anna", state("backing-off", "failed", now.plusSeconds(60)), HINT, now)).isNull();
        assertThat(IcloudUploadCheck.blocked("anna", state("backing-off", "throttled", now.minusSeconds(1)), HINT, now)).isNull();
        assertThat(IcloudUploadCheck.blocked("anna", state("ready", "success", null), HINT, now)).isNull();
    }

    private static IcloudStore.AccountState state(String state, String lastOutcome, Instant next) {
        return new IcloudStore.AccountState("anna", state, 0, 1, next, lastOutcome, "m", null, null, null, null);
    }

    private Finding check() {
        URI setup = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/setup/ws/1");
        return new IcloudUploadCheck(new IcloudWebClient(setup, Duration.ofSeconds(10)), state)
                .session("anna", USER, cookies, HINT);
    }

    private void assertNoCopyLeftAndNoSecretShown(Finding f) throws IOException {
        try (Stream<Path> s = Files.list(state)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("doctor-"));
        }
        assertThat(f.toString()).doesNotContain(SESSION_TOKEN, TRUST_TOKEN, COOKIE);
        // icloudpd's own files are still there, untouched by the check
        assertThat(cookies.resolve(NAME)).exists();
        assertThat(cookies.resolve(NAME + ".session")).exists();
    }

    private void writeSession() throws IOException {
        Files.writeString(cookies.resolve(NAME), "#LWP-Cookies-2.0\nSet-Cookie3: X-APPLE-WEBAUTH-TOKEN=\"" + COOKIE
                + "\"; path=\"/\"; domain=\"127.0.0.1\"; path_spec; secure; expires=\"2027-06-01 00:00:00Z\"; version=0\n");
        Files.writeString(cookies.resolve(NAME + ".session"), "{\"session_token\":\"" + SESSION_TOKEN
                + "\",\"trust_token\":\"" + TRUST_TOKEN + "\",\"scnt\":\"s\",\"session_id\":\"i\","
                + "\"account_country\":\"DEU\",\"trust_eligible\":true,\"client_id\":\"auth-1\"}");
        // written a minute ago: doctor copies only a session icloudpd is not rewriting right now
        FileTime settled = FileTime.from(java.time.Instant.now().minusSeconds(60));
        Files.setLastModifiedTime(cookies.resolve(NAME), settled);
        Files.setLastModifiedTime(cookies.resolve(NAME + ".session"), settled);
    }

    private String login(boolean pcsRequired, boolean upload) {
        String base = "http://127.0.0.1:1";
        return "{\"dsInfo\":{\"dsid\":\"1234567890\"},\"webservices\":{"
                + "\"ckdatabasews\":{\"url\":\"" + base + "\",\"status\":\"active\",\"pcsRequired\":" + pcsRequired + "},"
                + (upload ? "\"photosupload\":{\"url\":\"" + base + "\",\"status\":\"active\"}," : "")
                + "\"photos\":{\"url\":\"" + base + "\",\"status\":\"active\",\"pcsRequired\":" + pcsRequired + "}}}";
    }
}
