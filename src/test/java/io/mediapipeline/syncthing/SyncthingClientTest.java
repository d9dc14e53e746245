package io.mediapipeline.syncthing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client's contract without Syncthing: key only in the header, encoded queries, plain-words failures. */
class SyncthingClientTest {

    HttpServer server;
    final List<String> seen = new CopyOnWriteArrayList<>();
    final List<SyncthingClient> clients = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            seen.add(ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath() + "?" + ex.getRequestURI().getRawQuery()
                    + " key=" + ex.getRequestHeaders().getFirst("X-API-Key"));
            String path = ex.getRequestURI().getPath();
            int status;
            String body;
            if (!"good".equals(ex.getRequestHeaders().getFirst("X-API-Key"))) {
                status = 403;
                body = "CSRF Error";
            } else if (path.equals("/rest/db/file") && ex.getRequestURI().getQuery().contains("missing")) {
                status = 404;
                body = "No such object in the index";
            } else if (path.equals("/slow")) {
                try {
                    Thread.sleep(3_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                status = 200;
                body = "{}";
            } else if (path.equals("/rest/db/completion")) {
                status = 404;
                body = "no such folder";
            } else {
                status = 200;
                body = "{\"ping\":\"pong\",\"availability\":null}";
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        clients.forEach(SyncthingClient::close);
        server.stop(0);
    }

    private SyncthingClient client(String key) {
        SyncthingClient c = SyncthingClient.standalone("http://127.0.0.1:" + server.getAddress().getPort() + "/", key);
        clients.add(c);
        return c;
    }

    @Test
    void keyTravelsOnlyInTheHeaderAndQueriesAreEncoded() {
        SyncthingClient c = client("good");
        assertThat(c.ping().path("ping").asText()).isEqualTo("pong");
        assertThat(c.file("pixel", "20260101-x/Été & co #1.jpg")).isNotNull();
        assertThat(c.file("pixel", "missing.jpg")).as("unknown file").isNull();
        assertThat(seen).allSatisfy(s -> assertThat(s.substring(0, s.indexOf(" key="))).doesNotContain("good"));
        assertThat(seen.get(1)).startsWith("GET /rest/db/file?folder=pixel&file=20260101-x%2F%C3%89t%C3%A9%20%26%20co%20%231.jpg")
                .endsWith("key=good");
    }

    @Test
    void failuresSayWhatToFix() {
        assertThatThrownBy(() -> client("bad").ping()).isInstanceOf(SyncthingException.class)
                .hasMessageContaining("refused the API key (HTTP 403)").hasMessageContaining("pipeline.target.pixel.api-key")
                .hasMessageNotContaining("bad");
        assertThatThrownBy(() -> client("good").completion("nope", "X"))
                .satisfies(e -> assertThat(((SyncthingException) e).kind()).isEqualTo(SyncthingException.Kind.NOT_FOUND))
                .hasMessageContaining("no such folder");
        int port = server.getAddress().getPort();
        server.stop(0);
        assertThatThrownBy(() -> client("good").ping())
                .satisfies(e -> assertThat(((SyncthingException) e).kind()).isEqualTo(SyncthingException.Kind.UNREACHABLE))
                .hasMessageContaining("Syncthing is not reachable at http://127.0.0.1:" + port).hasMessageContaining("is it running");
    }

    @Test
    void timeoutsAreTheClientsOwnNotTheSharedComponents() throws Exception {
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.start();
            HttpComponent http = camel.getComponent("http", HttpComponent.class);
            List<Long> before = List.of(http.getConnectTimeout(), http.getConnectionRequestTimeout(), http.getSoTimeout(),
                    http.getResponseTimeout());
            SyncthingClient c = new SyncthingClient(camel, "http://127.0.0.1:" + server.getAddress().getPort(), "good",
                    Duration.ofSeconds(1), Duration.ofSeconds(1));
            assertThatThrownBy(() -> c.send("GET", "/slow", null)).isInstanceOf(SyncthingException.class)
                    .hasMessageContaining("no answer within 1 s");
            assertThat(List.of(http.getConnectTimeout(), http.getConnectionRequestTimeout(), http.getSoTimeout(),
                    http.getResponseTimeout())).as("the shared http component keeps its timeouts").isEqualTo(before);
            c.close();
            assertThat(camel.isStarted()).as("a client on the caller's context leaves it running").isTrue();
        }
    }
}
