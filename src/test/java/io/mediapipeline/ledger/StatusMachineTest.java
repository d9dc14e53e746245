package io.mediapipeline.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaKind;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger's status machine on a real embedded PostgreSQL with the app's migrations: a file in error
 * goes back only to the status it failed in, and a new row starts as ingesting.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StatusMachineTest {

    @TempDir
    static Path tmp;

    private static Database db;
    private static Ledger ledger;
    private static int files;

    @BeforeAll
    static void open() {
        db = new PipelineHome(tmp).openLedger();
        ledger = new Ledger(db.dataSource());
    }

    @AfterAll
    static void close() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void illegalTransitionIsRefusedWithAClearMessage() {
        UUID id = newFile();
        assertThatThrownBy(() -> setStatus(id, "archived"))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("illegal status transition ingesting -> archived for media file " + id);
        assertThat(status(id)).isEqualTo("ingesting");
    }

    @Test
    void errorReturnsOnlyToTheStatusItFailedIn() {
        UUID id = newFile();
        ledger.markIngested(id, "/originals/" + id + ".jpg", admit(), sha(id));
        ledger.markError(id, "organize", "disk full");
        assertThat(row(id)).containsEntry("status", "error").containsEntry("error_from", "ingested");

        // archived is a legal successor of ingested, but not a way out of an error that happened while ingested
        assertThatThrownBy(() -> setStatus(id, "archived"))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("illegal status transition error -> archived for media file " + id)
                .hasMessageContaining("it failed while ingested, so it may only return to ingested");
        assertThatThrownBy(() -> setStatus(id, "ingesting"))
                .hasMessageContaining("illegal status transition error -> ingesting");
        assertThat(row(id)).containsEntry("status", "error");

        assertThat(ledger.returnFromError(id)).isTrue();
        assertThat(row(id)).containsEntry("status", "ingested").containsEntry("error_from", null).containsEntry("error", null);
        assertThat(events(id)).containsExactly("null->ingesting", "ingesting->ingested", "ingested->error", "error->ingested");
    }

    @Test
    void theOriginCannotBeRewrittenByAnUpdate() {
        UUID id = newFile();
        ledger.markError(id, "ingest", "probe crashed");
        ledger.rows("update media_files set error_from = 'archived' where id = ? returning id", id);
        assertThat(row(id)).containsEntry("error_from", "ingesting");
        assertThatThrownBy(() -> setStatus(id, "archived")).hasMessageContaining("may only return to ingesting");
    }

    @Test
    void fileThatFailedWhileIngestingResumesThroughIngesting() {
        UUID id = newFile();
        ledger.markError(id, "ingest", "interrupted");
        // a second failure report keeps the first origin
        ledger.markError(id, "ingest", "again");
        assertThat(row(id)).containsEntry("status", "error").containsEntry("error_from", "ingesting");

        ledger.markIngested(id, "/originals/" + id + ".jpg", admit(), sha(id));
        assertThat(row(id)).containsEntry("status", "ingested").containsEntry("error_from", null);
        assertThat(events(id)).containsExactly("null->ingesting", "ingesting->error", "error->ingesting", "ingesting->ingested");
    }

    @Test
    void insertWithAnotherFirstStatusIsRefused() {
        for (String first : List.of("ingested", "archived", "error")) {
            String sha = String.format("%064x", 0xabc000L + first.length());
            assertThatThrownBy(() -> ledger.rows("""
                    insert into media_files (sha256, size, kind, format, extension, source, original_name, status)
                    values (?, 1, 'photo', 'jpeg', 'jpg', 'folder', 'x.jpg', ?) returning id""", sha, first))
                    .as(first)
                    .isInstanceOf(LedgerException.class)
                    .hasMessageContaining("illegal first status " + first + " for media file " + sha)
                    .hasMessageContaining("starts as ingesting");
            assertThat(ledger.find(sha)).isNull();
        }
        // what the code inserts is accepted
        assertThat(status(newFile())).isEqualTo("ingesting");
    }

    private static synchronized UUID newFile() {
        String sha = String.format("%064x", ++files);
        MediaInfo info = new MediaInfo(MediaKind.PHOTO, "jpeg", "jpg", "image/jpeg", 4, 4, null, 0, false, null, null,
                null, null, null, null);
        Claim claim = ledger.claim(sha, 10, info, "folder", "f" + files + ".jpg", "/library/f" + files + ".jpg");
        assertThat(claim.outcome()).isEqualTo(Claim.Outcome.NEW);
        return claim.mediaId();
    }

    private static long admit() {
        long run = ledger.openRun("once", "test");
        String key = "folder:" + UUID.randomUUID();
        return ledger.admitSource(run, "folder", key, key, 10).sourceFileId();
    }

    private static String sha(UUID id) {
        return (String) ledger.rows("select sha256 from media_files where id = ?", id).get(0).get("sha256");
    }

    private static void setStatus(UUID id, String status) {
        ledger.rows("update media_files set status = ? where id = ? returning id", status, id);
    }

    private static String status(UUID id) {
        return (String) row(id).get("status");
    }

    private static Map<String, Object> row(UUID id) {
        return ledger.rows("select status, error_from, error from media_files where id = ?", id).get(0);
    }

    private static List<String> events(UUID id) {
        return ledger.rows("select from_state, to_state from file_events where media_file_id = ? and entity = 'media_file' order by id", id)
                .stream().map(r -> r.get("from_state") + "->" + r.get("to_state")).toList();
    }
}
