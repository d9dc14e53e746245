package io.mediapipeline.support;

import io.mediapipeline.Application;
import io.mediapipeline.config.Settings;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.Hasher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A test's own pipeline: a temporary pipeline.home with its own embedded database, a source folder,
 * and a --config file. Each test owns one, so tests run in any order and in parallel forks.
 */
public final class PipelineHome {

    private final Path root;
    private final Path config;
    private final Map<String, String> props = new LinkedHashMap<>();

    public PipelineHome(Path root) {
        this.root = root;
        this.config = root.resolve("test.properties");
        set("pipeline.home", home().toString());
        set("pipeline.source.folder.enabled", "true");
        set("pipeline.source.folder.path", library().toString());
        set("pipeline.ingest.stable-seconds", "1");
        set("pipeline.once.idle-seconds", "2");
        // verify would turn archived files into verified ones within the run; a test that wants it switches it on
        set("pipeline.verify.enabled", "false");
        // no management port unless a test asks for one (tests run in parallel JVMs: a fixed port would clash)
        set("pipeline.management.enabled", "false");
        String cache = System.getProperty("pipeline.test.pg-cache");
        if (cache != null) {
            set("pipeline.db.embedded.binaries-dir", cache);
        }
        try {
            Files.createDirectories(library());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public PipelineHome set(String key, String value) {
        props.put(key, value);
        return this;
    }

    /** Turns the management port on, on a free loopback port, with this token; returns the port. */
    public int management(String token) {
        int port = freePort();
        set("pipeline.management.enabled", "true");
        set("pipeline.management.host", "127.0.0.1");
        set("pipeline.management.port", String.valueOf(port));
        set("pipeline.management.token", token);
        return port;
    }

    /** A TCP port free on loopback now. */
    public static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path home() {
        return root.resolve("home");
    }

    public Path library() {
        return root.resolve("library");
    }

    public Path sorted() {
        return home().resolve("sorted");
    }

    /** Runs `once` in this JVM on this home's --config file; returns the exit code. */
    public int once() throws Exception {
        return Application.run(new String[] {"once", "--config", config().toString()});
    }

    /** What `once` exited with and printed to standard output. */
    public record Console(int rc, String out) {
    }

    /** {@link #once()} with what it prints to standard output captured (the run summary). */
    public Console onceCapturingOutput() throws Exception {
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        try {
            System.setOut(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
            int rc = once();
            return new Console(rc, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
    }

    /** Writes the --config file and returns its path. */
    public Path config() {
        Properties p = new Properties();
        p.putAll(props);
        try (var w = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
            p.store(w, "test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return config;
    }

    public static Path projectDir() {
        return Path.of(System.getProperty("pipeline.project.dir", ".")).toAbsolutePath();
    }

    public Settings settings() {
        return io.mediapipeline.Application.load(projectDir(), config(), Map.of(), new Properties());
    }

    /** Settings as an app in {@code app} would load them with {@code overrides} as its --config file. */
    public static Settings loadSettings(Path app, String overrides, Map<String, String> env) throws IOException {
        Path cfg = app.resolve("override.properties");
        Files.writeString(cfg, overrides);
        return io.mediapipeline.Application.load(app, cfg, env, new Properties());
    }

    /** A value of the last run's metrics over JMX, as an operator's tool reads it; -1 when it is not published. */
    public static double metric(String name) throws Exception {
        try {
            return ((Number) java.lang.management.ManagementFactory.getPlatformMBeanServer()
                    .getAttribute(new javax.management.ObjectName(io.mediapipeline.ops.Metrics.OBJECT_NAME), name)).doubleValue();
        } catch (javax.management.AttributeNotFoundException e) {
            return -1;
        }
    }

    /** The newest run report (by its run id), parsed. */
    public com.fasterxml.jackson.databind.JsonNode latestReport() throws IOException {
        Path newest = files(home().resolve("reports")).stream()
                .max(java.util.Comparator.comparing(p -> {
                    String n = p.getFileName().toString();
                    return Long.parseLong(n.substring(n.lastIndexOf('-') + 1, n.length() - 5));
                })).orElseThrow();
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(newest.toFile());
    }

    /** Opens this home's ledger (starting its embedded server) for assertions. */
    public Database openLedger() {
        return Database.open(settings());
    }

    public static List<Map<String, Object>> query(Database db, String sql, Object... args) {
        return new Ledger(db.dataSource()).rows(sql, args);
    }

    /** Every regular file under dir (temp names included, so a leftover temp file fails a test). */
    public static List<Path> files(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return new ArrayList<>(s.filter(Files::isRegularFile).sorted().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha(Path file) {
        try {
            return Hasher.sha256(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
