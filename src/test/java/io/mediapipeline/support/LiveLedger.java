package io.mediapipeline.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The ledger of an app that runs in another JVM (or on another thread), read over its embedded server's TCP
 * port while it works. A server that is not up (not started yet, or gone with a killed JVM) reads as empty;
 * any other failure fails the test, so a broken query can never pass for "no rows".
 */
public final class LiveLedger implements AutoCloseable {

    /** Where the app keeps the embedded server's password; without the file the server trusts local connections. */
    static final String PASSWORD_FILE = "state/ledger.password";
    private static final String USER = "postgres";

    private final Path home;
    private Connection connection;

    public LiveLedger(Path home) {
        this.home = home;
    }

    /**
     * The rows, or empty while no server is up (or its tables are not made yet); any other query error or a
     * refused login is an error.
     */
    public Optional<List<Map<String, Object>>> rowsIfUp(String sql, Object... args) {
        try {
            Connection c = connection();
            if (c == null) {
                return Optional.empty();
            }
            return Optional.of(read(c, sql, args));
        } catch (SQLException e) {
            close();
            // 42P01: the server is up but the app has not created its tables yet
            if (serverGone(e) || "42P01".equals(e.getSQLState())) {
                return Optional.empty();
            }
            throw new IllegalStateException("live ledger query failed: " + sql + ": " + e.getMessage(), e);
        }
    }

    /** The rows; the server must be up. */
    public List<Map<String, Object>> rows(String sql, Object... args) {
        return rowsIfUp(sql, args).orElseThrow(() -> new IllegalStateException(
                "the ledger under " + home + " is not up; cannot run: " + sql));
    }

    /**
     * Locks the rows a {@code select ... for update} picks, on a connection of its own, until the returned hold is
     * closed or the server dies: the app's writes to those rows wait, so a window between a step on disk and its
     * ledger row stays open until the test acts. Empty while no server is up.
     */
    public Optional<AutoCloseable> holdRows(String selectForUpdate) {
        Optional<Integer> port = port();
        if (port.isEmpty()) {
            return Optional.empty();
        }
        Connection c = null;
        try {
            c = DriverManager.getConnection(url(port.get()) + "&socketTimeout=30", USER, password());
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("set local lock_timeout = '2s'"); // a row the app holds is waited for briefly, not for ever
            }
            read(c, selectForUpdate);
            Connection held = c;
            // closing rolls back and frees the rows (a killed app's server has dropped them already)
            return Optional.of(() -> closeQuietly(held));
        } catch (SQLException e) {
            closeQuietly(c);
            // gone, not made yet, or rows the app holds (lock timeout, deadlock): the caller tries again later
            if (serverGone(e) || List.of("42P01", "55P03", "40P01").contains(e.getSQLState())) {
                return Optional.empty();
            }
            throw new IllegalStateException("live ledger lock failed: " + selectForUpdate + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // the server is gone, and what the connection held with it
            }
        }
    }

    /** What the ledger says each stage has done, or empty while no server is up (or its tables are not made yet). */
    public Optional<Stages> stages() {
        return rowsIfUp(Stages.SQL).map(r -> Stages.of(r.get(0)));
    }

    private Connection connection() throws SQLException {
        if (connection != null) {
            return connection;
        }
        Optional<Integer> port = port();
        if (port.isEmpty()) {
            return null;
        }
        try {
            connection = DriverManager.getConnection(url(port.get()), USER, password());
            return connection;
        } catch (SQLException e) {
            if (serverGone(e)) {
                return null;
            }
            throw e;
        }
    }

    private static String url(int port) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?connectTimeout=5";
    }

    /** The port in postmaster.pid (line 4) of the embedded server; empty before the first start. */
    private Optional<Integer> port() {
        Path pid = home.resolve("state/postgres/data/postmaster.pid");
        try {
            List<String> lines = Files.exists(pid) ? Files.readAllLines(pid) : List.of();
            return lines.size() < 4 || lines.get(3).isBlank() ? Optional.empty() : Optional.of(Integer.parseInt(lines.get(3).trim()));
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty(); // removed meanwhile by a server stopping
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String password() {
        Path file = home.resolve(PASSWORD_FILE);
        try {
            return Files.exists(file) ? Files.readString(file).strip() : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Connection refused or broken (SQL state class 08), or the server shutting down (57P0x). */
    private static boolean serverGone(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("57P0"));
    }

    private static List<Map<String, Object>> read(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                List<Map<String, Object>> out = new ArrayList<>();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    }
                    out.add(row);
                }
                return out;
            }
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // the server is gone: nothing to release
            }
            connection = null;
        }
    }

    /** Counts per stage at one moment (one statement, so one snapshot). */
    public record Stages(int media, int ingesting, int ingested, int archived, int decided, int staged, int confirmed,
                         int duplicates, int quarantined, int handedOver) {

        static final String SQL = """
                select (select count(*) from media_files) as media,
                       (select count(*) from media_files where status = 'ingesting') as ingesting,
                       (select count(*) from media_files where status = 'ingested') as ingested,
                       (select count(*) from media_files where status = 'archived') as archived,
                       (select count(*) from media_files where compress_decision is not null) as decided,
                       (select count(*) from deliveries where target = 'pixel' and state = 'staged') as staged,
                       (select count(*) from deliveries where target = 'pixel' and state = 'confirmed') as confirmed,
                       (select count(*) from source_files where disposition = 'duplicate') as duplicates,
                       (select count(*) from source_files where disposition = 'quarantined') as quarantined,
                       (select count(*) from icloud_files) as handed_over""";

        static Stages of(Map<String, Object> r) {
            return new Stages(n(r, "media"), n(r, "ingesting"), n(r, "ingested"), n(r, "archived"), n(r, "decided"),
                    n(r, "staged"), n(r, "confirmed"), n(r, "duplicates"), n(r, "quarantined"), n(r, "handed_over"));
        }

        private static int n(Map<String, Object> r, String key) {
            return ((Number) r.get(key)).intValue();
        }

        @Override
        public String toString() {
            return "media " + media + " (ingesting " + ingesting + ", ingested " + ingested + ", archived " + archived
                    + "), compress decided " + decided + ", pixel staged " + staged + " / confirmed " + confirmed
                    + ", duplicates " + duplicates + ", quarantined " + quarantined + ", icloud handed over " + handedOver;
        }
    }
}
