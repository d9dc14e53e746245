package io.mediapipeline.ledger.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mediapipeline.proc.ProcessTable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmbeddedPostgresTest {

    @TempDir
    static Path sharedTemp;

    @TempDir
    Path dir;

    private static final String PASSWORD = "embedded-postgres-test-password-0123456789";

    private final List<Process> childJvms = new ArrayList<>();
    private final List<Long> serverPids = new ArrayList<>();

    @AfterEach
    void leaveNoProcessBehind() throws Exception {
        // the child JVMs, the servers they started (and those servers' own processes); a server left over from a test
        // that failed half-way would hold its port
        List<ProcessHandle> all = new ArrayList<>();
        for (Process jvm : childJvms) {
            jvm.descendants().forEach(all::add);
            all.add(jvm.toHandle());
        }
        serverPids.forEach(pid -> ProcessHandle.of(pid).ifPresent(all::add));
        all.forEach(ProcessHandle::destroyForcibly);
        // the temporary folder is deleted next: no server may still be writing its WAL into it
        for (ProcessHandle p : all) {
            p.onExit().get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void startsAnswersQueriesAndStops() throws Exception {
        EmbeddedPostgres server = server(dataDir()).start();
        serverPids.add(server.pid());

        assertThat(server.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:" + server.port() + "/postgres");
        assertThat(server.user()).isEqualTo("postgres");
        assertThat(query(server.port(), "select version()")).startsWith("PostgreSQL 17.");

        server.close();
        assertThat(ProcessTable.isRunning(server.pid())).isFalse();
        assertThat(acceptsConnections(server.port())).isFalse();
        server.close();
    }

    @Test
    void restartOnTheSameDataKeepsRowsAndSyncsToDisk() throws Exception {
        Path data = dataDir();
        try (EmbeddedPostgres server = server(data).start()) {
            serverPids.add(server.pid());
            assertThat(query(server.port(), "show fsync")).isEqualTo("on");
            execute(server.port(), "create table ledger_probe(id int primary key)",
                    "insert into ledger_probe values (1), (2), (3)");
        }
        try (EmbeddedPostgres server = server(data).start()) {
            serverPids.add(server.pid());
            assertThat(query(server.port(), "select count(*) from ledger_probe")).isEqualTo("3");
        }
    }

    @Test
    void aServerKilledUnderTheAppIsStartedAgainOnTheSamePortWithItsRows() throws Exception {
        try (EmbeddedPostgres server = server(dataDir()).start()) {
            long first = server.pid();
            serverPids.add(first);
            execute(server.port(), "create table ledger_probe(id int primary key)", "insert into ledger_probe values (1)");
            assertThat(server.restartIfGone()).as("a running server is left alone").isFalse();

            ProcessHandle.of(first).orElseThrow().destroyForcibly(); // the OOM killer's SIGKILL
            ProcessHandle.of(first).ifPresent(p -> p.onExit().join());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            boolean restarted = false;
            while (!restarted && System.nanoTime() < deadline) {
                try {
                    restarted = server.restartIfGone();
                } catch (IOException e) {
                    Thread.sleep(500); // its backends still leaving: the app's watchdog tries again as well
                }
            }
            assertThat(restarted).isTrue();
            serverPids.add(server.pid());
            assertThat(server.pid()).isNotEqualTo(first);
            assertThat(query(server.port(), "select count(*) from ledger_probe")).isEqualTo("1");
        }
    }

    @Test
    void secondServerOnDataInUseIsRefusedAndTheFirstKeepsRunning() throws Exception {
        Path data = dataDir();
        try (EmbeddedPostgres first = server(data).start()) {
            serverPids.add(first.pid());

            assertThatThrownBy(() -> server(data).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("belongs to this JVM");
            assertThat(query(first.port(), "select 1")).isEqualTo("1");
        }
    }

    @Test
    void fixedPortIsUsedAndATakenOneIsReported() throws Exception {
        Path data = dataDir();
        int port;
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = taken.getLocalPort();
            assertThatThrownBy(() -> server(data).port(port).start())
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("port " + port + " in use");
        }
        try (EmbeddedPostgres server = server(data).port(port).start()) {
            serverPids.add(server.pid());
            assertThat(server.port()).isEqualTo(port);
            assertThat(query(port, "select 1")).isEqualTo("1");
        }
    }

    @Test
    void killedJvmTakesItsServerAlong() throws Exception {
        Path data = dataDir();
        ChildServer child = startChildJvm(data, true, System.getenv("PATH"));
        execute(child.port, "create table ledger_probe(id int)", "insert into ledger_probe values (42)");

        child.jvm.destroyForcibly().waitFor();

        await().atMost(Duration.ofSeconds(5)).until(() -> !ProcessTable.isRunning(child.pid));
        assertThat(acceptsConnections(child.port)).isFalse();
        try (EmbeddedPostgres server = server(data).start()) {
            serverPids.add(server.pid());
            assertThat(query(server.port(), "select id from ledger_probe")).isEqualTo("42");
        }
    }

    @Test
    void orphanOfAKilledJvmIsStoppedByTheNextStart() throws Exception {
        Path data = dataDir();
        ChildServer child = startChildJvm(data, false, System.getenv("PATH"));
        execute(child.port, "create table ledger_probe(id int)", "insert into ledger_probe values (7)");

        child.jvm.destroyForcibly().waitFor();
        Thread.sleep(300);
        assertThat(ProcessTable.isRunning(child.pid)).as("orphan survives its JVM").isTrue();
        assertThat(acceptsConnections(child.port)).isTrue();

        try (EmbeddedPostgres server = server(data).start()) {
            serverPids.add(server.pid());
            assertThat(ProcessTable.isRunning(child.pid)).as("orphan stopped").isFalse();
            assertThat(server.pid()).isNotEqualTo(child.pid);
            assertThat(query(server.port(), "select id from ledger_probe")).isEqualTo("7");
        }
    }

    @Test
    void rootWithoutUserNamespacesIsToldWhatToDo() throws Exception {
        assumeTrue(ProcessTable.effectiveUid() == 0,
                "only root needs user namespaces");
        Path stubs = Files.createDirectories(dir.resolve("stubs"));
        Path unshare = stubs.resolve("unshare");
        Files.writeString(unshare, "#!/bin/sh\necho 'unshare: unshare failed: Operation not permitted' >&2\nexit 1\n");
        Files.setPosixFilePermissions(unshare, PosixFilePermissions.fromString("rwxr-xr-x"));

        Process jvm = launchChildJvm(dataDir(), true, stubs + ":" + System.getenv("PATH"));
        String report = awaitReport(jvm);

        assertThat(report).startsWith("FAILED").contains("user namespaces").contains("pipeline.db.url");
        assertThat(Files.exists(dir.resolve("state/db/PG_VERSION"))).isFalse();
    }

    @Test
    void jvmsStartingTogetherShareOneUnpack() throws Exception {
        Path freshRoot = dir.resolve("fresh-binaries");
        Process first = launchChildJvm(freshRoot, dir.resolve("a/db"), true, System.getenv("PATH"));
        Process second = launchChildJvm(freshRoot, dir.resolve("b/db"), true, System.getenv("PATH"));

        assertThat(awaitReport(first)).startsWith("READY");
        assertThat(awaitReport(second)).startsWith("READY");
        try (var entries = Files.list(freshRoot)) {
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(".lock", "pg-17.11.0");
        }
        assertThat(freshRoot.resolve("pg-17.11.0/.complete")).exists();
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static Path binariesRoot() {
        String cache = System.getProperty("pipeline.test.pg-cache");
        return cache != null ? Path.of(cache) : sharedTemp.resolve("pg-cache");
    }

    /** Like the app: the database lives below a private state/ directory. */
    private Path dataDir() throws IOException {
        Path state = dir.resolve("state");
        if (!Files.exists(state)) {
            Files.createDirectory(state, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return state.resolve("db");
    }

    private EmbeddedPostgres.Builder server(Path data) throws IOException {
        return EmbeddedPostgres.builder().binariesRoot(binariesRoot()).dataDir(data).logFile(dir.resolve("postgres.log"))
                .passwordFile(passwordFile());
    }

    private Path passwordFile() throws IOException {
        Path file = dir.resolve("password");
        if (!Files.exists(file)) {
            Files.writeString(file, PASSWORD + "\n");
        }
        return file;
    }

    private record ChildServer(Process jvm, int port, long pid) {
    }

    private ChildServer startChildJvm(Path data, boolean parentDeathSignal, String path) throws Exception {
        Process jvm = launchChildJvm(data, parentDeathSignal, path);
        String report = awaitReport(jvm);
        assertThat(report).startsWith("READY");
        String[] words = report.split(" ");
        ChildServer child = new ChildServer(jvm, Integer.parseInt(words[1]), Long.parseLong(words[2]));
        serverPids.add(child.pid);
        return child;
    }

    private Process launchChildJvm(Path data, boolean parentDeathSignal, String path) throws IOException {
        return launchChildJvm(binariesRoot(), data, parentDeathSignal, path);
    }

    private Process launchChildJvm(Path binaries, Path data, boolean parentDeathSignal, String path) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), ChildJvmServer.class.getName(),
                binaries.toString(), data.toString(), data.resolveSibling("postgres.log").toString(),
                Boolean.toString(parentDeathSignal), passwordFile().toString())
                .redirectError(dir.resolve("child-" + childJvms.size() + ".err").toFile());
        pb.environment().put("PATH", path);
        Process jvm = pb.start();
        childJvms.add(jvm);
        return jvm;
    }

    /** The child's READY or FAILED line; its log lines go to the same stdout and are skipped. */
    private static String awaitReport(Process jvm) throws InterruptedException {
        BlockingQueue<String> reports = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("READY ") || line.startsWith("FAILED ")) {
                        reports.add(line);
                    }
                }
            } catch (IOException e) {
                // the child was killed; nothing more to read
            }
            reports.add("EXITED");
        }, "child-jvm-stdout");
        reader.setDaemon(true);
        reader.start();
        String report = reports.poll(30, TimeUnit.SECONDS);
        return report == null ? "TIMEOUT" : report;
    }

    private static String query(int port, String sql) throws SQLException {
        try (Connection c = connect(port); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    private static void execute(int port, String... statements) throws SQLException {
        try (Connection c = connect(port); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    private static Connection connect(int port) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", PASSWORD);
    }

    private static boolean acceptsConnections(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
