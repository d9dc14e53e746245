package io.mediapipeline.dashboard.files;

import io.mediapipeline.flow.Handoff;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/** A test's data directory with its own embedded ledger, and the file pages' readers over it. */
final class FilesLedger implements AutoCloseable {

    static final OffsetDateTime JULY = OffsetDateTime.of(2023, 7, 14, 12, 0, 0, 0, ZoneOffset.ofHours(2));

    final Path home;
    final Database db;
    final Ledger ledger;
    final Library library;
    final Retries retries;

    FilesLedger(Path tmp) {
        PipelineHome pipeline = new PipelineHome(tmp);
        home = pipeline.home();
        db = pipeline.openLedger();
        ledger = new Ledger(db.dataSource());
        library = new Library(ledger, home);
        retries = new Retries(db.dataSource(), new Handoff(home.resolve("work"), List.of("organize", "compress")), home, 3);
    }

    @Override
    public void close() {
        db.close();
    }
}
