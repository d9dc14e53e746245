package io.mediapipeline.icloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.ops.Activity;
import io.mediapipeline.support.PipelineHome;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sign-in page as a stranger on the same machine meets it: no token, no work, nothing to frame or cache. */
class LoginServerTest {

    private static final String TOKEN = "0123456789abcdef0123456789abcdef-login";

    @TempDir
    Path tmp;

    private LoginServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private LoginServer start(String token) throws Exception {
        var settings = PipelineHome.loadSettings(tmp, "pipeline.home=" + tmp.resolve("home") + "\n", Map.of());
        server = new LoginServer(new IcloudDownloader(IcloudConfig.from(settings), null, tmp, new Activity()), 0, token);
        server.start();
        return server;
    }

    @Test
    void loginTokenShorterThan32CharactersIsRefusedAtStartup() {
        assertThatThrownBy(() -> start("login-token-5b1e0c")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("pipeline.source.icloud.login.token").hasMessageContaining("at least 32")
                .hasMessageNotContaining("login-token-5b1e0c");
    }

    @Test
    void wrongTokenIsRefusedBeforeTheBodyIsRead() throws Exception {
        int port = start(TOKEN).port();
        // announces 100 MB and never sends them: reading the body first would hang until the client gives up
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /icloud/login?token=wrong HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] head = in.readNBytes(12);
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 403");
        }
    }

    @Test
    void tokenInTheFormBodyAloneIsNotEnough() throws Exception {
        int port = start(TOKEN).port();
        HttpResponse<String> r = post(port, "", "token=" + TOKEN + "&action=start&account=default");
        assertThat(r.statusCode()).isEqualTo(403);
    }

    @Test
    void loginPageForbidsFramingScriptsCachingAndReferrers() throws Exception {
        int port = start(TOKEN).port();
        HttpResponse<String> forbidden = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/icloud/login?token=nope")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> page = post(port, "?token=" + TOKEN, "action=code&account=default&code=12ab");
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(page.statusCode()).as(page.body()).isEqualTo(400);
        for (HttpResponse<String> r : java.util.List.of(forbidden, page)) {
            var h = r.headers();
            assertThat(h.firstValue("X-Frame-Options")).hasValue("DENY");
            assertThat(h.firstValue("Content-Security-Policy").orElse("")).contains("default-src 'none'")
                    .contains("frame-ancestors 'none'").contains("form-action 'self'").doesNotContain("script-src");
            assertThat(h.firstValue("Cache-Control")).hasValue("no-store");
            assertThat(h.firstValue("Referrer-Policy")).hasValue("no-referrer");
        }
        assertThat(page.body()).contains("action=\"/icloud/login?token=" + TOKEN + "\"").doesNotContain("name=\"token\"");
    }

    private static HttpResponse<String> post(int port, String query, String form) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/icloud/login" + query))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
