package io.mediapipeline.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.mediapipeline.ledger.Migrations;
import io.mediapipeline.ledger.LedgerUnavailableException;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.TestPostgres;
import io.mediapipeline.support.Tools;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The ledger's promises on a PostgreSQL server the test starts itself, as an operator's own server or Supabase
 * would be: the external-database mode, both ways of applying the migrations (the app's Flyway, or plain psql as
 * {@code supabase db push} does), the status machine, the append-only history and no access for {@code anon}.
 * One server for the class; each test has its own database.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExternalLedgerIT {

    @TempDir
    static Path tmp;

    private TestPostgres pg;
    private final java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeAll
    void startServer() throws Exception {
        pg = TestPostgres.start(tmp.resolve("server"));
    }

    @AfterAll
    void stopServer() {
        if (pg != null) {
            pg.close();
        }
    }

    /** Runs `once` on one photo with pipeline.db.url pointing at the database; returns the exit code. */
    private int ingestOnePhoto(String database, String name) throws Exception {
        PipelineHome pipeline = new PipelineHome(Files.createDirectories(tmp.resolve(name)))
                .set("pipeline.db.url", pg.url(database))
                .set("pipeline.db.user", TestPostgres.OWNER)
                .set("pipeline.db.password", TestPostgres.OWNER_PASSWORD);
        // a distinct capture time per run, so no photo is a duplicate of an earlier run's
        Tools.photos(pipeline.library(), name + "-", 1, String.format("2024:05:06 07:08:%02d", runs.incrementAndGet()));
        int rc = pipeline.once();
        assertThat(pipeline.home().resolve("state/postgres/data")).as("no embedded server with a URL").doesNotExist();
        return rc;
    }

    private List<String> column(String database, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = pg.ownerConnection(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private String migratedByFlyway(String database) throws SQLException {
        pg.createDatabase(database);
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(pg.url(database));
        ds.setUser(TestPostgres.OWNER);
        ds.setPassword(TestPostgres.OWNER_PASSWORD);
        Migrations.migrate(ds, PipelineHome.projectDir().resolve("supabase/migrations"));
        return database;
    }

    /** A media_files row moved along the main line to 'archived'; returns its id. */
    private String archivedRow(Connection c) throws SQLException {
        String id = UUID.randomUUID().toString();
        String sha = UUID.randomUUID().toString().replace("-", "").repeat(2);
        try (Statement s = c.createStatement()) {
            s.execute("insert into media_files (id, sha256, size, kind, format, extension, source, original_name) "
                    + "values ('" + id + "', '" + sha + "', 10, 'photo', 'jpeg', 'jpg', 'folder', 'a.jpg')");
            s.execute("update media_files set status = 'ingested' where id = '" + id + "'");
            s.execute("update media_files set status = 'archived' where id = '" + id + "'");
        }
        return id;
    }

    @Test
    void externalDatabaseModeIngestsIntoTheConfiguredServer() throws Exception {
        pg.createDatabase("external");
        assertThat(ingestOnePhoto("external", "external")).isEqualTo(0);
        assertThat(column("external", "select original_name || ' ' || status from media_files"))
                .containsExactly("external-0001.jpg archived");
        assertThat(column("external", "select disposition from source_files")).containsExactly("imported");
        assertThat(column("external", "select count(*) from flyway_schema_history where success")).isNotEqualTo(List.of("0"));
    }

    @Test
    void illegalStatusTransitionIsRefused() throws Exception {
        String db = migratedByFlyway("transitions");
        try (Connection c = pg.ownerConnection(db)) {
            String id = archivedRow(c);
            // backwards along the main line: refused before and after an error state may return only to its origin
            assertThatThrownBy(() -> c.createStatement().execute("update media_files set status = 'ingesting' where id = '" + id + "'"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("illegal status transition archived -> ingesting");
        }
        assertThat(column(db, "select status from media_files")).containsExactly("archived");
    }

    @Test
    void fileEventsIsAppendOnly() throws Exception {
        String db = migratedByFlyway("events");
        try (Connection c = pg.ownerConnection(db)) {
            archivedRow(c);
            assertThatThrownBy(() -> c.createStatement().execute("update file_events set to_state = 'cleaned'"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("file_events is append-only");
            assertThatThrownBy(() -> c.createStatement().execute("delete from file_events"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("file_events is append-only");
        }
        assertThat(column(db, "select coalesce(from_state, '-') || '>' || to_state from file_events order by id"))
                .containsExactly("->ingesting", "ingesting>ingested", "ingested>archived");
    }

    @Test
    void anonAndAuthenticatedRolesCanNeitherReadNorWriteAnyLedgerTable() throws Exception {
        String db = migratedByFlyway("anon_flyway");
        try (Connection c = pg.ownerConnection(db)) {
            archivedRow(c);
        }
        assertApiRolesLockedOut(db);
    }

    @Test
    void schemaAppliedWithPlainPsqlStartsAndIngests() throws Exception {
        pg.createDatabase("pushed");
        pg.psql("pushed", TestPostgres.migrations());

        assertThat(ingestOnePhoto("pushed", "pushed")).isEqualTo(0);
        assertThat(column("pushed", "select original_name || ' ' || status from media_files"))
                .containsExactly("pushed-0001.jpg archived");
        historyCoversEveryFileOnce("pushed", TestPostgres.migrations());
        assertNewestValuesAllowed("pushed");
        assertApiRolesLockedOut("pushed");
        // and it keeps starting
        assertThat(ingestOnePhoto("pushed", "pushed-again")).isEqualTo(0);
        assertThat(column("pushed", "select count(*) from media_files")).containsExactly("2");
    }

    @Test
    void olderSchemaAppliedWithPsqlGetsOnlyTheNewerMigrations() throws Exception {
        List<Path> files = TestPostgres.migrations();
        pg.createDatabase("older");
        pg.psql("older", files.subList(0, files.size() - 1));

        assertThat(ingestOnePhoto("older", "older")).isEqualTo(0);
        String baseline = historyCoversEveryFileOnce("older", files);
        assertThat(new BigInteger(baseline)).as("the newest file is applied, not taken as there")
                .isLessThan(new BigInteger(version(files.get(files.size() - 1))));
        assertNewestValuesAllowed("older");
    }

    @Test
    void schemaPushedAtMainsFirstFiveMigrationsIsUpgradedAtStartup() throws Exception {
        // the ledger `supabase db push` made from main before the status-origin, skipped and unknown migrations
        List<Path> files = TestPostgres.migrations();
        List<Path> firstFive = files.stream().filter(f -> f.getFileName().toString().startsWith("20261127")).toList();
        assertThat(firstFive).hasSize(5);
        pg.createDatabase("first_five");
        pg.psql("first_five", firstFive);

        assertThat(ingestOnePhoto("first_five", "first-five")).as("starts and ingests").isEqualTo(0);
        assertThat(historyCoversEveryFileOnce("first_five", files)).isEqualTo(version(firstFive.get(4)));
        assertThat(column("first_five", "select original_name || ' ' || status from media_files"))
                .containsExactly("first-five-0001.jpg archived");
        assertNewestValuesAllowed("first_five");
    }

    private static String version(Path migration) {
        return migration.getFileName().toString().split("_")[0];
    }

    /**
     * After startup on a psql-applied schema, Flyway's history is one baseline and then every newer file of the
     * folder exactly once, in order (nothing skipped, nothing run twice); returns the baseline version.
     */
    private String historyCoversEveryFileOnce(String database, List<Path> folder) throws SQLException {
        List<String> rows = column(database, "select type || ' ' || version from flyway_schema_history where success "
                + "order by installed_rank");
        assertThat(rows).isNotEmpty();
        assertThat(rows.get(0)).startsWith("BASELINE ");
        String baseline = rows.get(0).substring("BASELINE ".length());
        List<String> expected = new ArrayList<>(List.of(rows.get(0)));
        folder.stream().map(ExternalLedgerIT::version).filter(v -> new BigInteger(v).compareTo(new BigInteger(baseline)) > 0)
                .forEach(v -> expected.add("SQL " + v));
        assertThat(rows).containsExactlyElementsOf(expected);
        return baseline;
    }

    /** The values the two constraint-swapping migrations allow can be stored. */
    private void assertNewestValuesAllowed(String database) throws SQLException {
        try (Connection c = pg.ownerConnection(database); Statement s = c.createStatement()) {
            s.execute("insert into source_files (source, source_key, source_path, disposition, reason) "
                    + "values ('folder', 'skipped-link', '/library/link.jpg', 'skipped', 'symbolic link')");
            s.execute("insert into icloud_attempts (account, kind, outcome) values ('someone', 'scheduled', 'unknown')");
        }
        assertThat(column(database, "select disposition from source_files where source_key = 'skipped-link'"))
                .containsExactly("skipped");
        assertThat(column(database, "select outcome from icloud_attempts where account = 'someone'")).containsExactly("unknown");
    }

    @Test
    void schemaMissingAnOlderMigrationsObjectIsRefusedByName() throws Exception {
        pg.createDatabase("gappy");
        pg.psql("gappy", TestPostgres.migrations());
        pg.superuser("gappy", "drop index media_files_name_idx");

        assertThatThrownBy(() -> ingestOnePhoto("gappy", "gappy")).as("could not run")
                .isInstanceOf(LedgerUnavailableException.class).hasMessageContaining("no Flyway history")
                .hasMessageContaining(TestPostgres.migrations().get(0).getFileName().toString())
                .hasMessageContaining("media_files_name_idx");
        assertThat(column("gappy", "select count(*) from media_files")).containsExactly("0");
        assertThat(column("gappy", "select to_regclass('flyway_schema_history')::text")).containsOnlyNulls();
    }

    @Test
    void newerMigrationRedefiningAnOlderFunctionIsStillAppliedToAPsqlSchema() throws Exception {
        // what the next engineer's migration may look like: a replaced function (present already) and a new column
        Path folder = Files.createDirectories(tmp.resolve("migrations-plus-one"));
        for (Path f : TestPostgres.migrations()) {
            Files.copy(f, folder.resolve(f.getFileName()));
        }
        Files.writeString(folder.resolve("29991231000000_later.sql"), """
                create or replace function file_events_append_only() returns trigger language plpgsql as $$
                begin
                    raise exception 'file_events is append-only';
                end $$;
                alter table media_files add column if not exists later_note text;
                """);
        pg.createDatabase("plus_one");
        pg.psql("plus_one", TestPostgres.migrations());
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(pg.url("plus_one"));
        ds.setUser(TestPostgres.OWNER);
        ds.setPassword(TestPostgres.OWNER_PASSWORD);

        Migrations.migrate(ds, folder);

        try (Stream<Path> all = Files.list(folder)) {
            historyCoversEveryFileOnce("plus_one", all.sorted().toList());
        }
        assertThat(column("plus_one", "select version from flyway_schema_history where success order by installed_rank desc limit 1"))
                .containsExactly("29991231000000");
        assertThat(column("plus_one", "select column_name from information_schema.columns where column_name = 'later_note'"))
                .containsExactly("later_note");
    }

    /**
     * As Supabase's anon role (the public API key) and its authenticated role (a signed-in API user): every table in
     * the schema refuses to be read or written.
     */
    private void assertApiRolesLockedOut(String database) throws SQLException {
        List<String> tables = column(database, "select tablename from pg_tables where schemaname = 'public' order by 1");
        assertThat(tables).contains("media_files", "file_events", "source_files", "flyway_schema_history");
        assertThat(column(database, "select relname from pg_class where relnamespace = 'public'::regnamespace "
                + "and relkind = 'r' and not relrowsecurity")).as("tables without row-level security").isEmpty();
        for (String role : List.of("anon", "authenticated")) {
            try (Connection c = pg.superuserConnection(database); Statement s = c.createStatement()) {
                s.execute("set role " + role);
                for (String table : tables) {
                    // the description is set before the check, so a failure names the role and the table
                    assertThat(catchThrowable(() -> s.executeQuery("select count(*) from public." + table)))
                            .as(role + " reads " + table).isNotNull().hasMessageContaining("permission denied");
                    assertThat(catchThrowable(() -> s.execute("delete from public." + table)))
                            .as(role + " deletes from " + table).isNotNull().hasMessageContaining("permission denied");
                }
            }
        }
    }
}
