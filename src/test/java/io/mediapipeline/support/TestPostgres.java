package io.mediapipeline.support;

import io.mediapipeline.ledger.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server a test starts itself (the zonky binaries the app unpacks, run standalone), standing in for an
 * external ledger server such as Supabase: a login role that owns each database, and Supabase's API roles
 * {@code anon} and {@code authenticated}, which get every new table by default as on Supabase.
 */
public final class TestPostgres implements AutoCloseable {

    public static final String OWNER = "ledger_owner";
    public static final String OWNER_PASSWORD = "test-only-ledger-password";

    private static final String SUPERUSER_PASSWORD = "test-only-superuser-password";

    private final Path dir;
    private EmbeddedPostgres server;

    private TestPostgres(Path dir, EmbeddedPostgres server) {
        this.dir = dir;
        this.server = server;
    }

    public static TestPostgres start(Path dir) throws IOException, SQLException {
        Path state = dir.resolve("state");
        Files.createDirectories(state, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path passwordFile = state.resolve("superuser.password");
        Files.writeString(passwordFile, SUPERUSER_PASSWORD + "\n", StandardCharsets.UTF_8);
        TestPostgres pg = new TestPostgres(dir, launch(dir, 0));
        pg.superuser("postgres", "create role " + OWNER + " login password '" + OWNER_PASSWORD + "'",
                "create role anon nologin", "create role authenticated nologin");
        return pg;
    }

    private static EmbeddedPostgres launch(Path dir, int port) throws IOException {
        String cache = System.getProperty("pipeline.test.pg-cache");
        Path state = dir.resolve("state");
        return EmbeddedPostgres.builder().binariesRoot(cache != null ? Path.of(cache) : dir.resolve("pg-cache"))
                .dataDir(state.resolve("db")).logFile(dir.resolve("postgres.log"))
                .passwordFile(state.resolve("superuser.password")).port(port).start();
    }

    /** Stops the server (fast shutdown), as an outage would; {@link #restart()} brings it back. */
    public void stop() {
        server.close();
    }

    /** Starts the stopped server again on the same port with the same data. */
    public void restart() throws IOException {
        server = launch(dir, server.port());
    }

    /** A new empty database owned by {@link #OWNER}, with Supabase's default grants to the API roles. */
    public String createDatabase(String name) throws SQLException {
        superuser("postgres", "create database " + name + " owner " + OWNER);
        superuser(name, "grant usage on schema public to anon, authenticated",
                "alter default privileges for role " + OWNER + " in schema public grant all on tables to anon, authenticated",
                "alter default privileges for role " + OWNER + " in schema public grant all on sequences to anon, authenticated");
        return url(name);
    }

    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + server.port() + "/" + database;
    }

    /** A connection as the server's superuser (the only place that knows how it logs in). */
    public Connection superuserConnection(String database) throws SQLException {
        return DriverManager.getConnection(url(database), server.user(), SUPERUSER_PASSWORD);
    }

    public Connection ownerConnection(String database) throws SQLException {
        return DriverManager.getConnection(url(database), OWNER, OWNER_PASSWORD);
    }

    public void superuser(String database, String... statements) throws SQLException {
        try (Connection c = superuserConnection(database); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** The migration files in file (= version) order, as `supabase db push` or an operator with psql applies them. */
    public static List<Path> migrations() throws IOException {
        try (Stream<Path> files = Files.list(PipelineHome.projectDir().resolve("supabase/migrations"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".sql")).sorted().toList();
        }
    }

    /** Runs each file with plain psql as the owner, stopping at the first error; the password goes by environment. */
    public void psql(String database, List<Path> files) throws IOException, InterruptedException {
        for (Path file : files) {
            ProcessBuilder pb = new ProcessBuilder("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                    "-p", String.valueOf(server.port()), "-U", OWNER, "-d", database, "-f", file.toString())
                    .redirectErrorStream(true);
            pb.environment().put("PGPASSWORD", OWNER_PASSWORD);
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new IllegalStateException("psql is not installed (Debian package postgresql-client; "
                        + "bin/media-pipeline test installs it): " + e.getMessage(), e);
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("psql -f " + file.getFileName() + " failed:\n" + out);
            }
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
