package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.proc.ProcessTable;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.ProcessWatch;
import io.mediapipeline.support.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What another account on the same machine can get from a running service: the packaged jar in
 * service mode (`run`, compression on, embedded ledger) with secrets in its environment, as systemd
 * starts it. Neither the ledger nor any child process's environment may give them anything.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalUserIsolationIT {

    private static final DateTimeFormatter EXIF = DateTimeFormatter.ofPattern("yyyy:MM:dd HH:mm:ss");
    private static final String TAG = UUID.randomUUID().toString().replace("-", "");
    private static final Map<String, String> SECRETS = Map.of(
            "PIPELINE_DB_PASSWORD", "db-pw-" + TAG,
            "PIPELINE_SOURCE_ICLOUD_PASSWORD", "apple-pw-" + TAG,
            "PIPELINE_TARGET_PIXEL_API_KEY", "pixel-key-" + TAG,
            "SOME_TOKEN", "some-token-" + TAG);

    @TempDir
    static Path tmp;

    private PipelineHome pipeline;
    private Process app;
    private Path log;
    private EnvironWatcher watcher;

    @BeforeAll
    void startServiceWithSecretsInItsEnvironment() throws Exception {
        pipeline = new PipelineHome(tmp)
                .set("pipeline.source.folder.poll-seconds", "1")
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.compress.video.preset", "ultrafast")
                .set("pipeline.compress.parallelism", "1");
        Path staged = Files.createDirectories(tmp.resolve("staged"));
        String lastMonth = LocalDateTime.now().minusMonths(1).format(EXIF);
        CompressIT.clip(staged, "party.mov", 640, 360, 3, lastMonth, 0);
        Tools.photos(staged, "photo_", 2, "2024:05:01 12:00:00");

        Path project = PipelineHome.projectDir();
        String jar = System.getProperty("pipeline.jar", project.resolve("target/media-pipeline.jar").toString());
        log = tmp.resolve("service.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dpipeline.app-home=" + project, "-jar", jar, "run", "--config", pipeline.config().toString())
                .directory(project.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(SECRETS);
        app = pb.start();
        watcher = new EnvironWatcher(app.pid(), SECRETS);
        await("service started", () -> logContains("Started (service)"), Duration.ofSeconds(90));
        try (Stream<Path> staging = Files.list(staged)) {
            for (Path f : staging.toList()) {
                Files.move(f, pipeline.library().resolve(f.getFileName()), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    @AfterAll
    void stopService() throws Exception {
        if (watcher != null) {
            watcher.close();
        }
        if (app != null) {
            app.destroy();
            if (!app.waitFor(60, TimeUnit.SECONDS)) {
                app.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void ledgerRefusesAConnectionWithoutThePasswordWhileRunIsUp() throws Exception {
        Path passwordFile = pipeline.home().resolve("state/ledger.password");
        String password = Files.readString(passwordFile).strip();
        int port = Integer.parseInt(Files.readAllLines(pipeline.home().resolve("state/postgres/data/postmaster.pid")).get(3).trim());

        assertThat(refusal(port, null)).as("no password").isIn("08004", "28P01", "28000");
        assertThat(refusal(port, "not-" + password)).as("a wrong password").isEqualTo("28P01");
        try (Connection c = connect(port, password); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from media_files")) {
            assertThat(rs.next()).as("the password from the file opens the ledger: the server was there").isTrue();
        }
        assertThat(Files.getPosixFilePermissions(passwordFile)).containsExactlyInAnyOrder(
                java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        assertThat(ProcessWatch.rawCmdline(app.pid())).as("the JVM's command line").doesNotContain(password);
        watcher.scan();
        assertThat(watcher.cmdlineHolding(password)).as("descendants whose command line holds the ledger password").isEmpty();
        assertThat(Files.readString(log)).doesNotContain(password);
        assertThat(Files.readString(pipeline.home().resolve("state/postgres/postgres.log"))).doesNotContain(password);
    }

    @Test
    void noChildProcessOfRunHasASecretInItsEnvironment() throws Exception {
        await("the video compressed (ffmpeg ran) and everything archived",
                () -> !files(pipeline.home().resolve("compressed")).isEmpty() && files(pipeline.sorted()).size() == 3,
                Duration.ofSeconds(180));
        watcher.scan();
        System.out.println("environ watcher read: " + new java.util.TreeSet<>(watcher.seen));

        assertThat(watcher.seen).as("children the watcher read the environment of")
                .contains("postgres", "exiftool", "ffmpeg");
        assertThat(watcher.leaks).as("child processes with a secret in their environment").isEmpty();
    }

    // ---- helpers -------------------------------------------------------------------------------

    private boolean logContains(String text) {
        try {
            return Files.exists(log) && Files.readString(log).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    private void await(String what, BooleanSupplier condition, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(app.isAlive()).as("service running; log:\n" + Files.readString(log)).isTrue();
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what + "\nlog:\n" + Files.readString(log));
            }
            Thread.sleep(200);
        }
    }

    private static Connection connect(int port, String password) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", password);
    }

    /** The SQLState of the refusal, or "accepted". */
    private static String refusal(int port, String password) {
        try (Connection ignored = connect(port, password)) {
            return "accepted";
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }

    /**
     * Reads /proc/PID/environ of every descendant of one process, over and over until closed: which programs
     * it saw (by comm) and which of them had a secret value in their environment.
     */
    static final class EnvironWatcher implements AutoCloseable {
        private final long root;
        private final Map<String, String> secrets;
        final Set<String> seen = ConcurrentHashMap.newKeySet();
        final Set<String> leaks = ConcurrentHashMap.newKeySet();
        private final Map<Long, String> cmdlines = new ConcurrentHashMap<>();
        private final ProcessWatch watch;

        EnvironWatcher(long root, Map<String, String> secrets) {
            this.root = root;
            this.secrets = secrets;
            this.watch = ProcessWatch.start("environ-watcher", Duration.ofMillis(5), this::scan);
        }

        synchronized void scan() {
            Map<Long, Long> parents = new HashMap<>();
            for (long pid : ProcessTable.pids()) {
                ProcessTable.Stat stat = ProcessTable.stat(pid);
                if (stat != ProcessTable.Stat.GONE) {
                    parents.put(pid, stat.ppid());
                }
            }
            for (long pid : parents.keySet()) {
                if (pid != root && descends(pid, parents)) {
                    read(pid);
                }
            }
        }

        private boolean descends(long pid, Map<Long, Long> parents) {
            for (Long p = parents.get(pid); p != null && p > 1; p = parents.get(p)) {
                if (p == root) {
                    return true;
                }
            }
            return false;
        }

        private void read(long pid) {
            String comm = ProcessTable.comm(pid);
            // read before the environment: once the binary is no longer its parent's, the exec has happened and the
            // environment read next is the child's own
            boolean notExecYet = forkedJvm(pid);
            String environ = ProcessWatch.environ(pid);
            if (comm == null || environ == null) {
                return; // ended meanwhile
            }
            cmdlines.put(pid, ProcessWatch.rawCmdline(pid));
            if (notExecYet || comm.equals("jspawnhelper")) {
                // the JVM between fork and exec (its comm is then the forking thread's name, e.g. child-process-l)
                // or its spawn helper: still the JVM's environment, for a moment
                return;
            }
            seen.add(comm.startsWith("postgres") ? "postgres" : comm);
            for (Map.Entry<String, String> secret : secrets.entrySet()) {
                if (environ.contains(secret.getValue())) {
                    leaks.add(comm + " (pid " + pid + ") has " + secret.getKey());
                }
            }
        }

        /** Still the JVM's binary, like its parent JVM: forked and not yet exec'd (a child of postgres is no JVM). */
        private static boolean forkedJvm(long pid) {
            try {
                Path exe = Files.readSymbolicLink(Path.of("/proc", String.valueOf(pid), "exe"));
                long parent = ProcessTable.stat(pid).ppid();
                return exe.getFileName().toString().equals("java")
                        && exe.equals(Files.readSymbolicLink(Path.of("/proc", String.valueOf(parent), "exe")));
            } catch (IOException | RuntimeException e) {
                return false; // gone meanwhile: the environment read says so
            }
        }

        List<String> cmdlineHolding(String text) {
            return cmdlines.entrySet().stream().filter(e -> e.getValue().contains(text))
                    .map(e -> e.getKey() + ": " + e.getValue().replace('\0', ' ')).toList();
        }

        @Override
        public void close() throws InterruptedException {
            watch.close();
        }
    }
}
