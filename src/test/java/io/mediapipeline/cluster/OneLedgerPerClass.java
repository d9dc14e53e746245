package io.mediapipeline.cluster;

import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/** One real ledger for a test class (each test keeps to its own namespaces or files), as several nodes share one. */
abstract class OneLedgerPerClass {

    @TempDir
    static Path tmp;

    static Database db;
    static JdbcTemplate jdbc;

    @BeforeAll
    static void open() {
        db = new PipelineHome(tmp).openLedger();
        jdbc = new JdbcTemplate(db.dataSource());
    }

    @AfterAll
    static void close() {
        db.close();
    }
}
