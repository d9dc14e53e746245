package io.mediapipeline.archive;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.flow.Durable;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ledger.LedgerSql;
import io.mediapipeline.ledger.MediaRecord;
import io.mediapipeline.support.PipelineHome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Organize places a Live Photo as one item, on a real ledger and real files: both halves in the still's folder (by
 * the still's capture date) under one name stem, in whichever order they come, and a late half beside its pair.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LivePhotoOrganizeTest {

    @TempDir
    static Path tmp;

    private static Database db;
    private static LedgerSql sql;
    private static Ledger ledger;
    private static Organizer organizer;
    private static Path home;

    @BeforeAll
    static void open() {
        PipelineHome pipeline = new PipelineHome(tmp);
        home = pipeline.home().toAbsolutePath();
        db = pipeline.openLedger();
        sql = new LedgerSql(db.dataSource());
        ledger = new Ledger(db.dataSource());
        organizer = new Organizer(ledger, db.dataSource(), new RunContext(ledger, "once", "test"), home, true, false);
    }

    @AfterAll
    static void close() {
        if (db != null) {
            db.close();
        }
    }

    /** An ingested original with its bytes in originals/; captured at an instant, in the zone offset given. */
    private static MediaRecord ingested(String name, String kind, String ext, String capturedUtc, int offsetMin,
                                        String contentId) throws Exception {
        byte[] bytes = (name + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        String sha = PipelineHome.sha(Files.write(Files.createTempFile(tmp, "b", ".bin"), bytes));
        Path original = home.resolve("originals/2024/05/" + sha.substring(0, 12) + "." + ext);
        Files.createDirectories(original.getParent());
        Files.write(original, bytes);
        Durable.makeReadOnly(original);
        UUID id = sql.inTx(j -> j.queryForObject("""
                insert into media_files (sha256, size, kind, format, extension, source, original_name, source_path,
                                         captured_at, capture_offset_min, capture_source, content_identifier)
                values (?, ?, ?, ?, ?, 'icloud', ?, ?, ?::timestamptz, ?, 'EXIF:DateTimeOriginal', ?) returning id""",
                UUID.class, sha, (long) bytes.length, kind, ext, ext, name, home.resolve("inbox/icloud/me/" + name).toString(),
                capturedUtc, offsetMin, contentId));
        sql.update("update media_files set status = 'ingested', original_path = ? where id = ?", original.toString(), id);
        return ledger.find(sha);
    }

    private static void pair(MediaRecord a, MediaRecord b) {
        sql.update("update media_files set live_pair_id = ? where id = ?", b.id(), a.id());
        sql.update("update media_files set live_pair_id = ? where id = ?", a.id(), b.id());
    }

    private static void assertArchivedAt(MediaRecord m, Path where) throws Exception {
        assertThat(where).exists();
        assertThat(Files.isSameFile(where, Path.of(m.originalPath()))).as("a hard link of the original").isTrue();
        assertThat(ledger.find(m.sha256()).archivePath()).isEqualTo(where.toString());
        assertThat(ledger.find(m.sha256()).status()).isEqualTo("archived");
    }

    @Test
    void bothHalvesShareTheStillsFolderAndStemEvenWhenTheMovieIsDatedTheDayBefore() throws Exception {
        // 00:30 on 2 May where the still was taken (UTC+2); the movie's QuickTime date is UTC, so still 1 May
        MediaRecord still = ingested("IMG_0100.HEIC", "photo", "heic", "2024-05-01T22:30:00Z", 120, "CID-100");
        MediaRecord motion = ingested("IMG_0100_HEVC.MOV", "video", "mov", "2024-05-01T22:30:01Z", 0, "CID-100");
        pair(still, motion);

        organizer.place(ledger.find(still.sha256()));
        organizer.place(ledger.find(motion.sha256()));

        Path day = home.resolve("sorted/photos/2024/05/02");
        assertArchivedAt(still, day.resolve("IMG_0100.HEIC"));
        assertArchivedAt(motion, day.resolve("IMG_0100.MOV"));
        assertThat(home.resolve("sorted/videos/2024/05/01")).doesNotExist();
    }

    @Test
    void aMovieOrganizedBeforeItsStillWaitsInPhotosAndTheStillJoinsIt() throws Exception {
        MediaRecord motion = ingested("IMG_0200_HEVC.MOV", "video", "mov", "2024-06-03T10:00:01Z", 0, "CID-200");
        organizer.place(motion);
        Path day = home.resolve("sorted/photos/2024/06/03");
        assertArchivedAt(motion, day.resolve("IMG_0200.MOV"));

        MediaRecord still = ingested("IMG_0200.HEIC", "photo", "heic", "2024-06-03T10:00:00Z", 0, "CID-200");
        pair(still, motion);
        organizer.place(ledger.find(still.sha256()));
        assertArchivedAt(still, day.resolve("IMG_0200.HEIC"));
    }

    @Test
    void aLateHalfJoinsItsPairWhereverThePairWasPutClashSuffixIncluded() throws Exception {
        // another file took IMG_0300.JPG that day, so the still became IMG_0300_1.JPG
        MediaRecord other = ingested("IMG_0300.JPG", "photo", "jpg", "2024-07-04T09:00:00Z", 0, null);
        organizer.place(other);
        MediaRecord still = ingested("IMG_0300.JPG", "photo", "jpg", "2024-07-04T12:00:00Z", 0, "CID-300");
        organizer.place(still);
        Path day = home.resolve("sorted/photos/2024/07/04");
        assertArchivedAt(still, day.resolve("IMG_0300_1.JPG"));

        // the movie comes in a later run, dated another day in its own zone
        MediaRecord motion = ingested("IMG_0300.MOV", "video", "mov", "2024-07-05T12:00:00Z", 0, "CID-300");
        pair(still, motion);
        organizer.place(ledger.find(motion.sha256()));
        assertArchivedAt(motion, day.resolve("IMG_0300_1.MOV"));
    }

    @Test
    void aMovieTakenBeforeIngestLinkedItFindsItsStillByTheContentIdentifier() throws Exception {
        MediaRecord still = ingested("IMG_0400.JPG", "photo", "jpg", "2024-09-01T22:30:00Z", 120, "CID-400");
        organizer.place(still);
        // not linked yet: ingest links the pair right after it stored the movie, organize may be quicker
        MediaRecord motion = ingested("IMG_0400.MOV", "video", "mov", "2024-09-01T22:30:01Z", 0, "CID-400");
        organizer.place(motion);
        Path day = home.resolve("sorted/photos/2024/09/02");
        assertArchivedAt(still, day.resolve("IMG_0400.JPG"));
        assertArchivedAt(motion, day.resolve("IMG_0400.MOV"));
    }

    @Test
    void aStillNeverJoinsAMovieFiledInVideosItIsFiledByItselfAndTheSplitIsSaid() throws Exception {
        // a movie without a content identifier that came first is an ordinary video until its still is linked
        MediaRecord motion = ingested("IMG_0500.MOV", "video", "mov", "2024-10-01T10:00:01Z", 0, null);
        organizer.place(motion);
        assertArchivedAt(motion, home.resolve("sorted/videos/2024/10/01/IMG_0500.MOV"));

        MediaRecord still = ingested("IMG_0500.JPG", "photo", "jpg", "2024-10-01T10:00:00Z", 0, null);
        pair(still, motion);
        organizer.place(ledger.find(still.sha256()));
        assertArchivedAt(still, home.resolve("sorted/photos/2024/10/01/IMG_0500.JPG"));
        assertThat(home.resolve("sorted/videos/2024/10/01/IMG_0500.JPG")).doesNotExist();
        assertThat(sql.query("select message from pipeline_logs where level = 'warn' and media_file_id = ?",
                (rs, n) -> rs.getString(1), still.id())).singleElement().asString()
                .contains("Live Photo split").contains("videos/2024/10/01/IMG_0500.MOV");
    }

    @Test
    void anOrdinaryVideoStaysInVideos() throws Exception {
        MediaRecord clip = ingested("clip.mp4", "video", "mp4", "2024-08-01T10:00:00Z", 0, null);
        organizer.place(clip);
        assertArchivedAt(clip, home.resolve("sorted/videos/2024/08/01/clip.mp4"));
    }
}
