package io.mediapipeline.dashboard;

import io.mediapipeline.config.Settings;
import io.mediapipeline.observe.ObserveModule;
import io.mediapipeline.status.Attention;
import io.mediapipeline.status.PipelineStatus;
import io.mediapipeline.status.Snapshot;
import io.mediapipeline.status.StageView;
import io.mediapipeline.status.Totals;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.Application;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.main.Main;

/**
 * camel-main as the service runs it, as far as the dashboard sees it: Camel's management server on a free loopback
 * port, the dashboard module with a known token, the routes a test gives, and a status over those routes (their
 * live state from the CamelContext; counts a test sets).
 */
final class DashboardApp implements AutoCloseable {

    static final String TOKEN = "dash-test-token-0123456789abcdef0123456789";

    final Main main = new Main();
    final int port;
    final FakeStatus status = new FakeStatus();
    final Settings settings;

    private DashboardApp(int port, Settings settings) {
        this.port = port;
        this.settings = settings;
    }

    /** Starts with the given routes only. */
    static DashboardApp start(Path tmp, RoutesBuilder... routes) throws Exception {
        return start(settings(tmp, "", Map.of()), List.of(), Map.of(), List.of(), routes);
    }

    /**
     * The settings of a test app: {@code extraSettings} (and {@code env}) over the shipped ones, its home under
     * {@code tmp}, the management port free and the token known.
     */
    static Settings settings(Path tmp, String extraSettings, Map<String, String> env) throws Exception {
        Path file = tmp.resolve("dashboard-test.properties");
        Files.writeString(file, "pipeline.home=" + tmp.resolve("home") + "\npipeline.management.enabled=true\npipeline.management.port=" + freePort()
                + "\npipeline.management.token=" + TOKEN + "\n" + extraSettings);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return Application.load(PipelineHome.projectDir(), file, env, new Properties());
    }

    /** Starts with YAML route files from routes/, extra beans and configurations (stages), and the routes given. */
    static DashboardApp start(Settings settings, List<String> yamlRoutes, Map<String, Object> beans,
                              List<io.mediapipeline.flow.Stage> stages, RoutesBuilder... routes) throws Exception {
        int port = settings.integer("pipeline.management.port");
        DashboardApp app = new DashboardApp(port, settings);
        Properties p = settings.forCamel();
        p.setProperty("camel.main.name", "dashboard-test");
        p.setProperty("camel.main.routes-include-pattern", yamlRoutes.isEmpty() ? "classpath:none/*.yaml"
                : String.join(",", yamlRoutes.stream().map(f -> "file:" + PipelineHome.projectDir().resolve("routes")
                .resolve(f)).toList()));
        // the management server as the service configures it
        p.putAll(ObserveModule.camelProperties(settings));
        p.setProperty("mediapipeline.once", "false");
        p.setProperty("mediapipeline.icloud-run-at-start", "false");
        app.main.setOverrideProperties(p);
        app.main.bind("settings", settings);
        app.main.bind("pipelineStatus", app.status);
        // one node: the routes' master: endpoints run as plain routes, as ClusterModule sets it up in the service
        app.main.bind("master", new io.mediapipeline.cluster.OneNodeMaster(null, "dashboard-test"));
        beans.forEach(app.main::bind);
        DashboardModule module = new DashboardModule();
        module.check(settings);
        app.main.configure().addConfiguration(module);
        for (io.mediapipeline.flow.Stage stage : stages) {
            stage.check(settings);
            app.main.configure().addConfiguration(stage);
        }
        for (RoutesBuilder r : routes) {
            app.main.configure().addRoutesBuilder(r);
        }
        app.main.start();
        app.status.camel = app.camel();
        return app;
    }

    CamelContext camel() {
        return main.getCamelContext();
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String form, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Stage views over the live routes (by group), with counts a test sets; needs-you items a test adds. */
    static final class FakeStatus implements PipelineStatus {
        volatile CamelContext camel;
        final List<Attention> needsYou = new CopyOnWriteArrayList<>();
        volatile long in = 12;
        volatile long queued = 3;

        @Override
        public Snapshot now() {
            List<StageView> stages = new ArrayList<>();
            for (String group : camel.getRoutes().stream().map(Route::getGroup).filter(g -> g != null).distinct()
                    .sorted().toList()) {
                List<String> ids = camel.getRoutes().stream().filter(r -> group.equals(r.getGroup())).map(Route::getId)
                        .sorted().toList();
                List<String> states = ids.stream().map(id -> camel.getRouteController().getRouteStatus(id).name())
                        .distinct().toList();
                stages.add(new StageView(group, ids, states.size() == 1 ? states.get(0) : "mixed", in, in - queued, 1,
                        queued, Optional.of(Instant.now()), Optional.of(Instant.now().minusSeconds(60)),
                        Optional.of(new io.mediapipeline.status.Progress(queued, 4.0,
                                Optional.of(Duration.ofSeconds(45))))));
            }
            return new Snapshot(Instant.now(), stages, needsYou,
                    new Totals(in, 5_000_000, 2_000_000, 3_000_000, 7, 6, queued, 1, 0));
        }
    }
}
