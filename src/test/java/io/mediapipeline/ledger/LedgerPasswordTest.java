package io.mediapipeline.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.mediapipeline.config.ConfigException;
import io.mediapipeline.ledger.embedded.EmbeddedPostgres;
import io.mediapipeline.proc.ProcessTable;
import io.mediapipeline.support.LogCapture;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.ProcessWatch;
import java.io.IOException;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The embedded ledger asks every connection for a password that only the service user can read. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LedgerPasswordTest {

    @TempDir
    Path tmp;

    private static final String VERIFIER = "select substr(rolpassword, 1, 16) from pg_authid where rolname = current_user";

    @Test
    void aPasswordFileOthersCouldReadIsRefusedNotRepaired() throws Exception {
        Path file = tmp.resolve("state/ledger.password");
        LedgerPassword made = LedgerPassword.forCluster(file, tmp.resolve("state/postgres/data"));
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> LedgerPassword.forCluster(file, tmp.resolve("state/postgres/data")))
                .isInstanceOf(io.mediapipeline.proc.PrivateFile.NotPrivate.class).hasMessageContaining("chmod 600 " + file)
                .hasMessageNotContaining(made.value());
        assertThat(Files.getPosixFilePermissions(file)).as("left as found").isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
    }

    @Test
    void embeddedLedgerRefusesConnectionsWithoutThePassword() throws Exception {
        PipelineHome p = new PipelineHome(tmp);
        Path passwordFile = p.home().resolve("state/ledger.password");
        String password;
        try (CmdlineWatcher watcher = new CmdlineWatcher(passwordFile); Database db = p.openLedger()) {
            password = Files.readString(passwordFile).strip();
            watcher.scanOnce();
            assertThat(watcher.sawInitdb).as("the watcher saw initdb run, so it could have seen a password there").isTrue();
            assertThat(watcher.sawPostgres).as("the watcher saw the server").isTrue();
            assertThat(watcher.hits).as("processes whose command line holds the password").isEmpty();

            int port = port(p);
            assertThat(refusal(port, null)).as("no password").isIn("08004", "28P01", "28000");
            assertThat(refusal(port, "wrong-" + password)).as("a wrong password").isEqualTo("28P01");
            assertThat(query(port, password, "select current_user")).isEqualTo("postgres");
            assertThat(query(port, password, "show password_encryption")).isEqualTo("scram-sha-256");
            // a random 40-character password needs no key stretching: one iteration, and still the only way in
            assertThat(query(port, password, VERIFIER)).isEqualTo("SCRAM-SHA-256$1:");
        }
        assertThat(password).hasSizeGreaterThanOrEqualTo(32).matches("[A-Za-z0-9]+");
        assertThat(Files.getPosixFilePermissions(passwordFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(passwordFile.getParent())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.readString(p.home().resolve("state/postgres/postgres.log"))).doesNotContain(password);
        assertThat(Files.readString(p.home().resolve("state/postgres/data/pg_hba.conf")))
                .as("every rule asks for the password").doesNotContainPattern("(?m)^[^#]*\\strust\\b");

        try (Database again = p.openLedger()) {
            assertThat(Files.readString(passwordFile).strip()).as("the same password on the next start").isEqualTo(password);
        }
    }

    @Test
    void trustClusterOfAnEarlierVersionIsGivenThePassword() throws Exception {
        PipelineHome p = new PipelineHome(tmp);
        Path data = p.home().resolve("state/postgres/data");
        trustCluster(p, data);
        EmbeddedPostgres old = EmbeddedPostgres.builder().binariesRoot(binariesRoot(p)).dataDir(data)
                .logFile(data.resolveSibling("postgres.log")).passwordFile(tmp.resolve("unused")).start();
        try (old; Connection c = connect(old.port(), null); Statement s = c.createStatement()) {
            s.execute("create schema earlier; create table earlier.rows(id int); insert into earlier.rows values (1), (2)");
        }

        String password;
        try (LogCapture log = LogCapture.of(TrustMigration.class.getName()); Database db = p.openLedger()) {
            password = Files.readString(p.home().resolve("state/ledger.password")).strip();
            assertThat(log.messages(Level.INFO)).singleElement().asString()
                    .contains("let any local connection in").contains("ledger.password").doesNotContain(password);
            int port = port(p);
            assertThat(refusal(port, null)).as("no password").isIn("08004", "28P01", "28000");
            assertThat(refusal(port, "wrong")).as("a wrong password").isEqualTo("28P01");
            assertThat(query(port, password, "select count(*) from earlier.rows")).isEqualTo("2");
            assertThat(query(port, password, VERIFIER)).isEqualTo("SCRAM-SHA-256$1:");
        }
        assertThat(Files.readString(data.resolveSibling("postgres.log"))).doesNotContain(password);
        assertThat(Files.readString(data.resolve("pg_hba.conf"))).doesNotContainPattern("(?m)^[^#]*\\strust\\b");
    }

    @Test
    void lostPasswordFileOfAPasswordClusterIsNamed() throws Exception {
        PipelineHome p = new PipelineHome(tmp);
        p.openLedger().close();
        Files.delete(p.home().resolve("state/ledger.password"));

        assertThatThrownBy(p::openLedger).isInstanceOf(LedgerUnavailableException.class)
                .hasMessageContaining("ledger.password is missing");
        assertThat(p.home().resolve("state/ledger.password")).as("no new password over the lost one").doesNotExist();
    }

    @Test
    void databaseConnectionHasTimeoutsAndKeepAlive() throws Exception {
        PipelineHome p = new PipelineHome(tmp).set("pipeline.db.socket-timeout-seconds", "321");
        var props = Database.poolConfig(p.settings(), "jdbc:postgresql://db.example.supabase.co:5432/postgres", "u", "pw")
                .getDataSourceProperties();
        assertThat(props).containsEntry("connectTimeout", "10").containsEntry("socketTimeout", "321")
                .containsEntry("tcpKeepAlive", "true");
        try (Database db = p.openLedger(); Connection c = db.dataSource().getConnection()) {
            assertThat(c.getNetworkTimeout()).as("socket timeout of a real connection, ms").isEqualTo(321_000);
        }
        assertThatThrownBy(() -> new PipelineHome(tmp.resolve("bad")).set("pipeline.db.connect-timeout-seconds", "0").settings())
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("pipeline.db.connect-timeout-seconds");
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static int port(PipelineHome p) throws IOException {
        return Integer.parseInt(Files.readAllLines(p.home().resolve("state/postgres/data/postmaster.pid")).get(3).trim());
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

    private static String query(int port, String password, String sql) throws SQLException {
        try (Connection c = connect(port, password); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    private static Path binariesRoot(PipelineHome p) {
        return p.settings().path("pipeline.db.embedded.binaries-dir");
    }

    /** A cluster as earlier versions made it: {@code initdb -A trust}, no password anywhere. */
    private void trustCluster(PipelineHome p, Path data) throws Exception {
        Path root = binariesRoot(p);
        Path initdb;
        try (Stream<Path> versions = Files.list(Files.createDirectories(root))) {
            initdb = versions.filter(d -> Files.exists(d.resolve(".complete"))).map(d -> d.resolve("bin/initdb")).findFirst().orElse(null);
        }
        if (initdb == null) { // nothing unpacked yet: a throw-away start unpacks the binaries
            new PipelineHome(tmp.resolve("warm-up")).openLedger().close();
            trustCluster(p, data);
            return;
        }
        Files.createDirectories(data.getParent());
        Files.setPosixFilePermissions(data.getParent().getParent(), PosixFilePermissions.fromString("rwx------"));
        List<String> cmd = new ArrayList<>();
        if (ProcessTable.effectiveUid() == 0) {
            cmd.addAll(List.of("unshare", "-U")); // PostgreSQL refuses root
        }
        cmd.addAll(List.of(initdb.toString(), "-D", data.toString(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"));
        Process initdbRun = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(initdbRun.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(initdbRun.waitFor()).as(out).isZero();
        assertThat(TrustMigration.trusts(data)).isTrue();
    }

    /** Reads every process's command line until closed, looking for the password once its file exists. */
    private static final class CmdlineWatcher implements AutoCloseable {
        private final Path passwordFile;
        final Set<String> hits = ConcurrentHashMap.newKeySet();
        volatile boolean sawInitdb;
        volatile boolean sawPostgres;
        private final ProcessWatch watch;

        CmdlineWatcher(Path passwordFile) {
            this.passwordFile = passwordFile;
            this.watch = ProcessWatch.start("cmdline-watcher", Duration.ofMillis(5), this::scanOnce);
        }

        synchronized void scanOnce() {
            String password = null;
            try {
                password = Files.exists(passwordFile) ? Files.readString(passwordFile).strip() : null;
            } catch (IOException notYet) {
                // being written
            }
            for (long pid : ProcessTable.pids()) {
                String cmdline = ProcessWatch.rawCmdline(pid);
                sawInitdb |= cmdline.contains("/bin/initdb\0") && cmdline.contains(passwordFile.getParent().toString());
                sawPostgres |= cmdline.contains("/bin/postgres\0") && cmdline.contains(passwordFile.getParent().toString());
                if (password != null && !password.isEmpty() && cmdline.contains(password)) {
                    hits.add(pid + ": " + cmdline.replace('\0', ' '));
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            watch.close();
        }
    }
}
