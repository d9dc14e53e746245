package io.mediapipeline.ledger;

import io.mediapipeline.ledger.embedded.EmbeddedPostgres;
import io.mediapipeline.proc.PrivateFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embedded clusters made before the ledger had a password trust every connection from the machine.
 * At start such a cluster gets the password (sent as a SCRAM verifier, so the clear text never
 * reaches the server or its log) and a pg_hba.conf that asks for it on every line.
 */
final class TrustMigration {

    private static final Logger LOG = LoggerFactory.getLogger(TrustMigration.class);
    private static final Pattern TRUST = Pattern.compile("(?<=\\s)trust(?=\\s|$)");
    private static final String SCRAM = "scram-sha-256";
    private static final long REFUSAL_TIMEOUT_MS = 10_000;

    private TrustMigration() {
    }

    /** Whether any rule of the cluster's pg_hba.conf lets a connection in without a password. */
    static boolean trusts(Path dataDir) throws IOException {
        Path hba = dataDir.resolve("pg_hba.conf");
        return Files.exists(hba) && Files.readAllLines(hba, StandardCharsets.UTF_8).stream()
                .anyMatch(line -> !isComment(line) && TRUST.matcher(line).find());
    }

    /** Gives a trusting cluster the password and makes it ask for it; does nothing to one that already does. */
    static void requirePassword(EmbeddedPostgres server, LedgerPassword password) throws IOException, SQLException {
        Path dataDir = server.dataDir();
        if (!trusts(dataDir)) {
            return;
        }
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(), server.user(), "")) {
            c.unwrap(PGConnection.class).alterUserPassword(server.user(), password.value().toCharArray(), SCRAM);
            Path hba = dataDir.resolve("pg_hba.conf");
            List<String> lines = Files.readAllLines(hba, StandardCharsets.UTF_8);
            PrivateFile.write(hba, lines.stream()
                    .map(line -> isComment(line) ? line : TRUST.matcher(line).replaceAll(SCRAM))
                    .collect(Collectors.joining("\n", "", "\n")));
            try (Statement s = c.createStatement()) {
                s.execute("select pg_reload_conf()");
            }
        }
        awaitRefusal(server);
        LOG.info("Ledger database: the embedded PostgreSQL in {} let any local connection in; it now requires the {}",
                dataDir, password);
    }

    /** The reload is asynchronous: wait until a connection without the password is refused, or fail. */
    private static void awaitRefusal(EmbeddedPostgres server) throws SQLException {
        long deadline = System.currentTimeMillis() + REFUSAL_TIMEOUT_MS;
        while (true) {
            try (Connection ignored = DriverManager.getConnection(server.jdbcUrl(), server.user(), "")) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("the embedded PostgreSQL in " + server.dataDir()
                            + " still accepts connections without a password after its pg_hba.conf was rewritten");
                }
            } catch (SQLException refused) {
                // 28P01/28000: the server refused; 08004: the driver had no password to answer the server's request
                if (List.of("28P01", "28000", "08004").contains(refused.getSQLState())) {
                    return;
                }
                throw refused;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting for the embedded PostgreSQL to reload pg_hba.conf", e);
            }
        }
    }

    private static boolean isComment(String line) {
        String s = line.strip();
        return s.isEmpty() || s.startsWith("#");
    }
}
