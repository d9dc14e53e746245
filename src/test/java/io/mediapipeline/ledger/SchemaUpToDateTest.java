package io.mediapipeline.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.mediapipeline.support.LogCapture;
import io.mediapipeline.support.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A start whose ledger already has every migration skips Flyway; one that finds a new migration file, or a history
 * that does not match the files, still gets Flyway and the new schema. A fresh ledger's migration logs no warning.
 */
class SchemaUpToDateTest {

    @TempDir
    Path tmp;

    @Test
    void aNewMigrationFileIsAppliedAndOnlyAnExactHistoryCountsAsUpToDate() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("migrations"));
        for (Path m : TestPostgres.migrations()) {
            Files.copy(m, folder.resolve(m.getFileName()));
        }
        try (TestPostgres pg = TestPostgres.start(tmp.resolve("pg"))) {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setUrl(pg.createDatabase("ledger"));
            ds.setUser(TestPostgres.OWNER);
            ds.setPassword(TestPostgres.OWNER_PASSWORD);

            assertThat(SchemaHistory.upToDate(ds, folder)).as("a fresh database has no history").isEmpty();
            try (LogCapture flyway = LogCapture.of("org.flywaydb")) {
                Database.migrate(ds, folder);
                assertThat(flyway.messages(Level.WARN)).as("a fresh ledger's migration warns of nothing").isEmpty();
            }
            String newest = TestPostgres.migrations().get(TestPostgres.migrations().size() - 1).getFileName().toString();
            assertThat(SchemaHistory.upToDate(ds, folder)).contains(newest.substring(0, newest.indexOf('_')));

            Files.writeString(folder.resolve("29991231000000_later.sql"),
                    "alter table media_files add column later_note text;\n");
            assertThat(SchemaHistory.upToDate(ds, folder)).as("a file the history lacks").isEmpty();
            Database.migrate(ds, folder);
            assertThat(column(ds, "select count(*) from information_schema.columns where column_name = 'later_note'"))
                    .isEqualTo(1);
            assertThat(SchemaHistory.upToDate(ds, folder)).contains("29991231000000");

            Files.delete(folder.resolve("29991231000000_later.sql"));
            assertThat(SchemaHistory.upToDate(ds, folder)).as("history names a file that is gone: Flyway decides")
                    .isEmpty();
        }
    }

    private static int column(PGSimpleDataSource ds, String sql) throws Exception {
        try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
