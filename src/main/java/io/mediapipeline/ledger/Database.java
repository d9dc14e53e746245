package io.mediapipeline.ledger;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.mediapipeline.config.Secrets;
import io.mediapipeline.config.Settings;
import io.mediapipeline.ledger.embedded.EmbeddedPostgres;
import io.mediapipeline.proc.PrivateDir;
import io.mediapipeline.proc.RootCause;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.callback.BaseCallback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger's connection: the configured server (Supabase, a local PostgreSQL) or, with no URL,
 * an embedded PostgreSQL under state/. Migrations in supabase/migrations are applied on open.
 * Closing stops the pool first, then the embedded server (fast shutdown).
 */
public final class Database implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    /** How often the embedded server is looked at, and started again when it died. */
    static final long WATCH_SECONDS = 2;

    private final HikariDataSource dataSource;
    private final EmbeddedPostgres embedded;
    private final ScheduledExecutorService watchdog;

    private Database(HikariDataSource dataSource, EmbeddedPostgres embedded) {
        this.dataSource = dataSource;
        this.embedded = embedded;
        this.watchdog = embedded == null ? null : watch(embedded);
    }

    /** A daemon thread that starts the embedded server again when it died; the pool reconnects by itself. */
    private static ScheduledExecutorService watch(EmbeddedPostgres embedded) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ledger-watchdog");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                embedded.restartIfGone();
            } catch (IOException | RuntimeException e) {
                LOG.error("The embedded PostgreSQL could not be started again: {}; trying again in {} s",
                        RootCause.message(e), WATCH_SECONDS);
            }
        }, WATCH_SECONDS, WATCH_SECONDS, TimeUnit.SECONDS);
        return timer;
    }

    public static Database open(Settings settings) {
        EmbeddedPostgres embedded = null;
        LedgerPassword secret = null;
        String url = settings.get("pipeline.db.url");
        String user = settings.get("pipeline.db.user");
        String password = settings.get("pipeline.db.password");
        try {
            if (url.isEmpty()) {
                Path state = settings.home().resolve("state");
                PrivateDir.create(state);
                Path pgHome = state.resolve("postgres");
                Files.createDirectories(pgHome);
                secret = LedgerPassword.forCluster(state.resolve(LedgerPassword.FILE_NAME), pgHome.resolve("data"));
                embedded = EmbeddedPostgres.builder()
                        .binariesRoot(settings.path("pipeline.db.embedded.binaries-dir"))
                        .dataDir(pgHome.resolve("data"))
                        .logFile(pgHome.resolve("postgres.log"))
                        .passwordFile(secret.file())
                        .port(settings.integer("pipeline.db.embedded.port"))
                        .start();
                TrustMigration.requirePassword(embedded, secret);
                url = embedded.jdbcUrl();
                user = embedded.user();
                password = secret.value();
            }
            HikariDataSource ds = new HikariDataSource(poolConfig(settings, url, user, password));
            if (secret != null) {
                try {
                    secret.useOneIteration(ds);
                } catch (SQLException e) {
                    LOG.warn("The ledger's password keeps its verifier as it is ({}): connections cost a little more CPU",
                            e.getMessage());
                }
            }
            migrate(ds, settings.appHome().resolve("supabase/migrations"));
            return new Database(ds, embedded);
        } catch (RuntimeException | IOException | SQLException e) {
            if (embedded != null) {
                embedded.close();
            }
            String where = settings.get("pipeline.db.url").isEmpty()
                    ? "embedded PostgreSQL under " + settings.home().resolve("state/postgres")
                    : "pipeline.db.url (" + settings.get("pipeline.db.url") + ")";
            throw new LedgerUnavailableException(Secrets.mask("ledger database (" + where + "): " + RootCause.message(e)), e);
        }
    }

    /**
     * A dead network (Wi-Fi gone, a NAT that dropped the connection) must fail a query, not hang it
     * for ever: connect and socket timeouts, TCP keep-alive. A URL's own parameters win.
     */
    static HikariConfig poolConfig(Settings settings, String url, String user, String password) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setUsername(user);
        if (!password.isEmpty()) {
            hc.setPassword(password);
        }
        hc.setMaximumPoolSize(settings.integer("pipeline.db.pool-size"));
        // connections are opened as work asks for them, not all at start: each is a PostgreSQL backend and a SCRAM
        // exchange, which Hikari would otherwise make in the background on the CPUs a short command (a rescan,
        // doctor) needs; the service's spare ones close after Hikari's idle timeout and open again when work comes
        hc.setMinimumIdle(1);
        hc.setPoolName("ledger");
        hc.setConnectionTimeout(15_000);
        // strings: the driver reads them with Properties.getProperty, which ignores any other type
        hc.addDataSourceProperty("connectTimeout", String.valueOf(settings.integer("pipeline.db.connect-timeout-seconds")));
        hc.addDataSourceProperty("socketTimeout", String.valueOf(settings.integer("pipeline.db.socket-timeout-seconds")));
        // a batch of inserts (ingest records a whole batch of files at once) goes as multi-row statements
        hc.addDataSourceProperty("reWriteBatchedInserts", "true");
        hc.addDataSourceProperty("tcpKeepAlive", "true");
        return hc;
    }

    /** The advisory lock key of the migration step (any constant; only this application takes it). */
    private static final long MIGRATION_LOCK = 0x6d70_6d69_6772L;

    static void migrate(DataSource ds, Path migrations) {
        if (!Files.isDirectory(migrations)) {
            throw new IllegalStateException("migrations folder missing: " + migrations);
        }
        Optional<String> already = upToDate(ds, migrations);
        if (already.isPresent()) {
            LOG.info("Ledger schema at version {} (up to date)", already.get());
            return;
        }
        // Several nodes may start at once on one database (pipeline.cluster): one migrates and protects the history
        // at a time (Flyway's own lock covers only its migrate; two concurrent revokes fail "tuple concurrently updated").
        try (java.sql.Connection lock = ds.getConnection(); java.sql.Statement s = lock.createStatement()) {
            s.execute("select pg_advisory_lock(" + MIGRATION_LOCK + ")");
            try {
                migrateLocked(ds, migrations);
            } finally {
                s.execute("select pg_advisory_unlock(" + MIGRATION_LOCK + ")");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("migrating the ledger: " + e.getMessage(), e);
        }
    }

    private static void migrateLocked(DataSource ds, Path migrations) {
        FluentConfiguration config = Flyway.configure()
                .dataSource(ds)
                .locations("filesystem:" + migrations)
                // Supabase CLI names files <timestamp>_<name>.sql: no "V" prefix, single underscore.
                .sqlMigrationPrefix("")
                .sqlMigrationSeparator("_")
                .validateMigrationNaming(true)
                .callbacks(new QuietNotices());
        baselineWhenAppliedWithoutFlyway(config, ds, migrations);
        Flyway flyway = config.load();
        var result = flyway.migrate();
        protectHistory(ds);
        var current = flyway.info().current();
        LOG.info("Ledger schema at version {} ({} migration(s) applied now)",
                current == null ? "none" : current.getVersion(), result.migrationsExecuted);
    }

    /**
     * A migration that re-adds a column "if not exists" draws a NOTICE, which Flyway logs as a WARN on every fresh
     * ledger; notices say nothing an operator must act on, so Flyway's connections do not ask for them (the setting
     * stays with a pooled connection afterwards; nothing in the pipeline reads notices).
     */
    private static final class QuietNotices extends BaseCallback {
        @Override
        public boolean supports(Event event, Context context) {
            return event == Event.AFTER_CONNECT;
        }

        @Override
        public void handle(Event event, Context context) {
            try (var s = context.getConnection().createStatement()) {
                s.execute("set client_min_messages = warning");
            } catch (SQLException e) {
                // only the log's wording is at stake: migrate with the notices
                LOG.debug("migration notices stay on: {}", e.getMessage());
            }
        }
    }

    private static Optional<String> upToDate(DataSource ds, Path migrations) {
        try {
            return SchemaHistory.upToDate(ds, migrations);
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("reading the ledger schema: " + e.getMessage(), e);
        }
    }

    /**
     * A schema made by {@code supabase db push} or psql has the tables and no Flyway history; Flyway would refuse
     * it, so the newest migration found applied is recorded as the baseline and only newer files run.
     */
    private static void baselineWhenAppliedWithoutFlyway(FluentConfiguration config, DataSource ds, Path migrations) {
        try {
            SchemaHistory.appliedWithoutFlyway(ds, migrations).ifPresent(version -> {
                LOG.warn("Ledger schema was applied without Flyway (supabase db push or psql) up to migration {}; "
                        + "recording that as Flyway's baseline and applying only newer migrations", version);
                config.baselineOnMigrate(true).baselineVersion(version)
                        .baselineDescription("applied without Flyway up to " + version);
            });
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("reading the ledger schema: " + e.getMessage(), e);
        }
    }

    private static void protectHistory(DataSource ds) {
        try {
            SchemaHistory.protect(ds);
        } catch (SQLException e) {
            throw new IllegalStateException("protecting " + SchemaHistory.TABLE + ": " + e.getMessage(), e);
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public boolean embedded() {
        return embedded != null;
    }

    @Override
    public void close() {
        if (watchdog != null) {
            watchdog.shutdownNow();
        }
        dataSource.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
