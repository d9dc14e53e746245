package io.mediapipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ledger.Claim;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaKind;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files a batch placed but never recorded (a crash between placing and commit): at start the old ones go to trash,
 * logged; a recorded original and duplicate, and a fresh unrecorded file (another node's batch mid-way), stay.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OrphanSweepTest {

    @TempDir
    Path tmp;

    @Test
    void anOldUnrecordedFileGoesToTrashWhileRecordedAndFreshFilesStay() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp);
        Path home = pipeline.home().toAbsolutePath().normalize();
        try (Database db = pipeline.openLedger()) {
            Ledger ledger = new Ledger(db.dataSource());
            Path recorded = write(home.resolve("originals/2024/05/a.jpg"), "a");
            Path recordedCopy = write(home.resolve("duplicates/aa/a-copy.jpg"), "a");
            Path orphan = write(home.resolve("originals/2024/05/b.jpg"), "b");
            Path orphanCopy = write(home.resolve("duplicates/bb/b-copy.jpg"), "b");
            record(ledger, db, recorded, recordedCopy);
            Thread.sleep(50); // change times before and after "now minus the limit"
            Instant limitPassed = Instant.now();
            Thread.sleep(50);
            Path fresh = write(home.resolve("originals/2024/05/c.jpg"), "c");

            // as at a start an hour later: what was there before limitPassed is old enough, c.jpg is not
            int moved = new OrphanSweep(home, db.dataSource(), ledger, Duration.ofHours(1))
                    .sweep(limitPassed.plus(Duration.ofHours(1)));

            assertThat(moved).isEqualTo(2);
            assertThat(recorded).exists();
            assertThat(recordedCopy).exists();
            assertThat(fresh).exists();
            assertThat(orphan).doesNotExist();
            assertThat(orphanCopy).doesNotExist();
            Path trash = home.resolve("trash/ingest-orphans")
                    .resolve(LocalDate.ofInstant(limitPassed.plus(Duration.ofHours(1)), ZoneOffset.UTC).toString());
            assertThat(trash.resolve("originals/2024/05/b.jpg")).hasContent("b");
            assertThat(trash.resolve("duplicates/bb/b-copy.jpg")).hasContent("b");
            List<Map<String, Object>> logged = PipelineHome.query(db,
                    "select source_path from pipeline_logs where stage = 'ingest' and level = 'warn' order by id");
            assertThat(logged).extracting(r -> r.get("source_path"))
                    .containsExactly(orphan.toString(), orphanCopy.toString());
        }
    }

    @Test
    void aFileABatchChoseAgainIsYoungAgainAndStays() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp);
        Path home = pipeline.home().toAbsolutePath().normalize();
        try (Database db = pipeline.openLedger()) {
            Path input = write(tmp.resolve("library/b.jpg"), "b");
            String sha = io.mediapipeline.media.Hasher.sha256(input);
            Path dir = home.resolve("originals/2024/05");
            Path placed = io.mediapipeline.flow.FileStore.place(input, dir, "b.jpg", sha,
                    io.mediapipeline.flow.FileStore.Mode.COPY, true, true);
            Thread.sleep(1500);
            // a batch taken again after a crash places the same name with the same content: the file is reused
            assertThat(io.mediapipeline.flow.FileStore.place(input, dir, "b.jpg", sha,
                    io.mediapipeline.flow.FileStore.Mode.COPY, true, true)).isEqualTo(placed);

            int moved = new OrphanSweep(home, db.dataSource(), new Ledger(db.dataSource()), Duration.ofSeconds(1))
                    .sweep(Instant.now());

            assertThat(moved).as("its batch may be about to record it").isZero();
            assertThat(placed).hasContent("b");
        }
    }

    @Test
    void tooManyUnnamedFilesAreLeftAloneWithAnError() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp);
        Path home = pipeline.home().toAbsolutePath().normalize();
        try (Database db = pipeline.openLedger()) {
            Path dir = Files.createDirectories(home.resolve("originals/2024/05"));
            for (int i = 0; i <= OrphanSweep.MAX_ORPHANS; i++) {
                Files.createFile(dir.resolve(i + ".jpg"));
            }

            int moved = new OrphanSweep(home, db.dataSource(), new Ledger(db.dataSource()), Duration.ofHours(1))
                    .sweep(Instant.now().plus(Duration.ofHours(2)));

            assertThat(moved).isZero();
            assertThat(dir.resolve("0.jpg")).exists();
            assertThat(PipelineHome.query(db, "select message from pipeline_logs where level = 'error'"))
                    .singleElement().satisfies(r -> assertThat((String) r.get("message")).contains("pipeline.home"));
        }
    }

    private static Path write(Path file, String content) throws Exception {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }

    /** The ledger rows a committed batch leaves: the original's content row and its duplicate's. */
    private static void record(Ledger ledger, Database db, Path original, Path copy) {
        MediaInfo info = new MediaInfo(MediaKind.PHOTO, "jpeg", "jpg", "image/jpeg", 4, 4, null, 0, false, null, null,
                null, null, null, null);
        Claim claim = ledger.claim("a".repeat(64), 1, info, "folder", "a.jpg", "/library/a.jpg");
        long run = ledger.openRun("once", "test");
        long input = ledger.admitSource(run, "folder", "folder:/library/a.jpg", "/library/a.jpg", 1).sourceFileId();
        ledger.markIngested(claim.mediaId(), original.toString(), input, "a".repeat(64));
        long second = ledger.admitSource(run, "folder", "folder:/library/a2.jpg", "/library/a2.jpg", 1).sourceFileId();
        PipelineHome.query(db, """
                insert into duplicate_files (original_file_id, source_file_id, duplicate_path, source_path, kind)
                values (?, ?, ?, '/library/a2.jpg', 'exact') returning id""", claim.mediaId(), second, copy.toString());
    }
}
