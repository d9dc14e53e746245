package io.mediapipeline.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.mediapipeline.support.LogCapture;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The management port as a stranger and as a script meet it: nothing without the token, everything with it. */
class AccessTest {

    @TempDir
    static Path tmp;
    static DashboardApp app;

    static List<String> startLog;

    @BeforeAll
    static void start() throws Exception {
        try (LogCapture log = LogCapture.of(Mount.class.getName())) {
            app = DashboardApp.start(tmp, new RouteBuilder() {
                @Override
                public void configure() {
                    from("timer:tick?period=60000").routeId("ingest-files").routeGroup("ingest").log("tick");
                }
            });
            startLog = log.messages(Level.INFO);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        app.close();
    }

    @Test
    void withoutTheTokenEveryPathIsRefusedCamelsHealthIncluded() throws Exception {
        for (String path : List.of("/", "/observe/health", "/observe/health/ready", "/static/dashboard.css",
                "/no-such-page", "/?token=wrong-token-0123456789abcdef0123456789")) {
            HttpResponse<String> r = app.get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(401);
            assertThat(r.body()).as(path).doesNotContain(DashboardApp.TOKEN).doesNotContain("\"status\"");
        }
        assertThat(app.get("/").body()).as("where the token is, under systemd").contains("PIPELINE_MANAGEMENT_TOKEN")
                .contains("/etc/media-pipeline/env");
        assertThat(app.get("/observe/health", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
    }

    @Test
    void bearerTokenOpensHealthAndPages() throws Exception {
        HttpResponse<String> health = app.get("/observe/health", "Authorization", "Bearer " + DashboardApp.TOKEN);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("UP");
        HttpResponse<String> page = app.get("/", "Authorization", "Bearer " + DashboardApp.TOKEN);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("ingest").doesNotContain(DashboardApp.TOKEN);
        assertThat(page.body()).as("progress in the words of the log and the notifications")
                .contains("3 files left, 4.0 files/min, less than a minute left");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElse(""))
                .contains("default-src 'none'", "frame-ancestors 'none'", "form-action 'self'").doesNotContain("script");
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(page.headers().firstValue("X-Frame-Options")).as("no page may be framed").hasValue("DENY");
    }

    /**
     * Headers only, with a Content-Length under the body limit and no body: a gate that read the body first would
     * wait for bytes that never come, so only a gate that judges the token first answers at all.
     */
    @Test
    void postWithoutTheTokenIsRefusedBeforeItsBodyIsRead() throws Exception {
        try (Socket s = new Socket("127.0.0.1", app.port)) {
            s.setSoTimeout(30_000); // only a bound on failure: the answer comes at once, or never
            s.getOutputStream().write(("POST /stages/ingest/stop HTTP/1.1\r\nHost: 127.0.0.1:" + app.port
                    + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " + (Mount.BODY_LIMIT / 2)
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[1024];
            try {
                // the answer's head is enough; the server keeps the connection open after it
                for (int n; !got.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")
                        && (n = s.getInputStream().read(buf)) > 0; ) {
                    got.write(buf, 0, n);
                }
            } catch (SocketTimeoutException noAnswer) {
                // whatever came is judged below
            }
            String head = got.toString(StandardCharsets.ISO_8859_1);
            assertThat(head).as("answer to headers whose body never comes").startsWith("HTTP/1.1 401")
                    .containsIgnoringCase("X-Frame-Options: DENY")
                    .containsIgnoringCase("Content-Security-Policy: default-src 'none'");
        }
        assertThat(app.camel().getRouteController().getRouteStatus("ingest-files").isStarted()).isTrue();
    }

    @Test
    void firstVisitWithTheTokenSetsAStrictHttpOnlyCookieAndDropsTheTokenFromTheAddress() throws Exception {
        HttpResponse<String> r = app.get("/?token=" + DashboardApp.TOKEN + "&x=1");
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location")).hasValue("/?x=1");
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        // attribute names are case-insensitive (Vert.x writes "HTTPOnly")
        assertThat(cookie.toLowerCase(java.util.Locale.ROOT)).contains("; httponly", "; samesite=strict", "; path=/");
        assertThat(cookie).doesNotContain(DashboardApp.TOKEN);
        String session = cookie.substring(0, cookie.indexOf(';'));
        assertThat(app.get("/", "Cookie", session).statusCode()).isEqualTo(200);
        assertThat(app.get("/observe/health", "Cookie", session).statusCode()).isEqualTo(200);
        assertThat(app.get("/", "Cookie", "mp_session=forged").statusCode()).isEqualTo(401);
    }

    @Test
    void postsNeedTheSessionsCsrfTokenAndTheTokenOnlyCountsOnAGet() throws Exception {
        String cookie = app.get("/?token=" + DashboardApp.TOKEN).headers().firstValue("Set-Cookie").orElseThrow();
        String session = cookie.substring(0, cookie.indexOf(';'));
        assertThat(app.post("/stages/ingest/stop", "csrf=nope", "Cookie", session).statusCode()).isEqualTo(403);
        assertThat(app.post("/stages/ingest/stop", "", "Cookie", session).statusCode()).isEqualTo(403);
        assertThat(app.post("/stages/ingest/stop?token=" + DashboardApp.TOKEN, "token=" + DashboardApp.TOKEN)
                .statusCode()).isEqualTo(401);
        assertThat(app.post("/observe/health", "").statusCode()).isEqualTo(401);
        assertThat(app.post("/stages/ingest/stop", "", "Authorization", "Bearer " + DashboardApp.TOKEN)
                .statusCode()).isEqualTo(403);
        assertThat(app.camel().getRouteController().getRouteStatus("ingest-files").isStarted()).isTrue();
    }

    @Test
    void theRedirectAfterSignInStaysOnThisServerAndDropsTheTokenHoweverItIsSpelled() throws Exception {
        // sent raw: java.net.URI refuses a backslash, a browser does not
        assertThat(location("/\\evil.example/?token=" + DashboardApp.TOKEN)).isEqualTo("/");
        assertThat(location("//evil.example/?token=" + DashboardApp.TOKEN)).isEqualTo("/");
        assertThat(location("/files?%74oken=" + DashboardApp.TOKEN + "&q=cat")).isEqualTo("/files?q=cat");
        assertThat(location("/files?q=a&tok%65n=" + DashboardApp.TOKEN)).isEqualTo("/files?q=a");

        assertThat(Access.withoutToken("/\\evil.example", null)).isEqualTo("/");
        assertThat(Access.withoutToken("/\t/evil.example", "token=x")).isEqualTo("/");
        assertThat(Access.withoutToken("/files/journey/1", "%74oken=x&%zz=1&id=2")).isEqualTo("/files/journey/1?id=2");
        assertThat(Access.withoutToken("/", "token&x=1")).isEqualTo("/?x=1");
    }

    /** The Location of a raw GET, written as a browser would send it. */
    private static String location(String target) throws Exception {
        try (Socket s = new Socket("127.0.0.1", app.port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + app.port
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(response).as(target).startsWith("HTTP/1.1 303");
            return response.lines().filter(l -> l.regionMatches(true, 0, "Location:", 0, 9))
                    .map(l -> l.substring(9).strip()).findFirst().orElseThrow();
        }
    }

    @Test
    void theStartLogSaysWhereTheTokenCameFromWithoutIt() {
        assertThat(startLog).anyMatch(m -> m.startsWith("Dashboard on http://127.0.0.1:" + app.port + "/")
                && m.endsWith("which is pipeline.management.token from " + tmp.resolve("dashboard-test.properties")))
                .noneMatch(m -> m.contains(DashboardApp.TOKEN));
    }
}
