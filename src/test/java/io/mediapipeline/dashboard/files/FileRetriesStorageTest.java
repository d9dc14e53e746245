package io.mediapipeline.dashboard.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.media.MediaKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The file pages' failures, retries and storage figures, from a real ledger holding the rows the stages write. */
class FileRetriesStorageTest extends OnFilesLedger {

    @Test
    void organizeFailureGoesBackToIngestedIntoTheQueueWithAnEvent() throws Exception {
        Library.File f = library.ingested("disk-full.jpg", MediaKind.PHOTO, JULY, Library.bytes("disk full"));
        ledger.markError(f.id(), "organize", "No space left on device");

        Retries.Outcome outcome = retries.file(f.id().toString());

        assertThat(outcome.done()).as(outcome.message()).isTrue();
        assertThat(status(f.id())).isEqualTo("ingested");
        Path queued = home.resolve("work/organize").resolve(f.sha256() + ".jpg");
        assertThat(queued).exists();
        assertThat(Files.isSameFile(queued, f.original())).isTrue();
        assertThat(ledger.rows("select detail from file_events where media_file_id = ? and entity = 'retry'", f.id()))
                .extracting(r -> r.get("detail")).singleElement().asString()
                .contains("asked on the dashboard", "organize again", "No space left on device");
        assertThat(retries.file(f.id().toString()).done()).as("a second click finds nothing to do").isFalse();
    }

    @Test
    void verifyFailureIsRetriedOnlyOnceItsCopiesAreThere() throws Exception {
        Library.File f = library.archived("moved-away.jpg", MediaKind.PHOTO, JULY, Library.bytes("moved away"));
        Path aside = tmp.resolve("aside.jpg");
        Files.move(f.archive(), aside);
        ledger.markError(f.id(), "verify", "archive copy missing: " + f.archive());

        Retries.Outcome refused = retries.file(f.id().toString());
        assertThat(refused.done()).isFalse();
        assertThat(refused.message()).contains("is missing", f.archive().toString());
        assertThat(status(f.id())).isEqualTo("error");

        Files.move(aside, f.archive());
        assertThat(retries.file(f.id().toString()).done()).isTrue();
        assertThat(status(f.id())).isEqualTo("archived");
    }

    @Test
    void scrubAndIngestFailuresHaveNoRetryButSayWhy() throws Exception {
        Library.File damaged = library.archived("damaged.jpg", MediaKind.PHOTO, JULY, Library.bytes("damaged"));
        ledger.markError(damaged.id(), "scrub", "no copy with the right hash");

        Retries.Outcome outcome = retries.file(damaged.id().toString());

        assertThat(outcome.done()).isFalse();
        assertThat(outcome.message()).contains("the scrub reads this file again");
        assertThat(status(damaged.id())).isEqualTo("error");
        assertThat(ledger.rows("select 1 from file_events where media_file_id = ? and entity = 'retry'", damaged.id())).isEmpty();
        Map<String, Object> row = new Failures(ledger, retries).page(1);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> files = (List<Map<String, Object>>) row.get("files");
        assertThat(files).filteredOn(f -> f.get("id").equals(damaged.id().toString())).singleElement()
                .satisfies(f -> assertThat(f.get("retry")).isNull())
                .satisfies(f -> assertThat((String) f.get("noRetry")).contains("scrub"));
    }

    @Test
    void inputQuarantinedAfterAToolTimeoutIsHandedBackToItsInbox() throws Exception {
        byte[] bytes = Library.bytes("slow tool");
        long id = library.quarantined("icloud", "anna/2024/IMG_0042.JPG", bytes, "unreadable: exiftool did not answer within 30 s for x");
        Path place = home.resolve("quarantine/2026-12-01/IMG_0042.JPG");

        Retries.Outcome outcome = retries.input(id);

        assertThat(outcome.done()).as(outcome.message()).isTrue();
        Path back = home.resolve("inbox/icloud/anna/2024/IMG_0042.JPG");
        assertThat(back).hasBinaryContent(bytes);
        assertThat(place).doesNotExist();
        Map<String, Object> row = ledger.rows("select disposition, place, reason, retried_at from source_files where id = ?", id).get(0);
        assertThat(row.get("disposition")).isEqualTo("retried");
        assertThat(row.get("place")).isEqualTo(back.toString());
        assertThat(row.get("retried_at")).isNotNull();
        assertThat(ledger.rows("select from_state, to_state from file_events where source_file_id = ? order by id", id))
                .extracting(r -> r.get("from_state") + "->" + r.get("to_state")).endsWith("quarantined->retried");
        assertThat(retries.input(id).done()).as("a second click moves nothing").isFalse();

        // an input of the folder source: its folder is never written, so it goes to the inbox of that name
        long folder = library.quarantined("folder", "trip/IMG_0043.JPG", bytes, "cannot start ffprobe: error=24, Too many open files");
        assertThat(retries.input(folder).done()).isTrue();
        assertThat(home.resolve("inbox/folder/retried/IMG_0043.JPG")).hasBinaryContent(bytes);
    }

    @Test
    @SuppressWarnings("unchecked")
    void failuresAreListedNewestFirstFiftyAPage() throws Exception {
        for (int i = 1; i <= 52; i++) {
            library.quarantined("folder", String.format("paged_%02d.jpg", i), Library.bytes("paged " + i), "zero bytes");
        }
        Failures failures = new Failures(ledger, retries);
        Map<String, Object> first = failures.page(1);
        long total = (Long) first.get("quarantined");
        List<Map<String, Object>> inputs = (List<Map<String, Object>>) first.get("inputs");

        assertThat(inputs).hasSize(50);
        assertThat((String) inputs.get(0).get("source_path")).endsWith("paged_52.jpg");
        assertThat((String) inputs.get(1).get("source_path")).endsWith("paged_51.jpg");
        assertThat(inputs.get(0).get("noRetry")).isEqualTo("empty file: replace it at the source");
        assertThat(first.get("next")).isEqualTo(2);
        Map<String, Object> second = failures.page(2);
        assertThat((List<Map<String, Object>>) second.get("inputs")).hasSize((int) total - 50)
                .noneMatch(r -> inputs.stream().anyMatch(i -> i.get("id").equals(r.get("id"))));
        assertThat(second.get("previous")).isEqualTo(1);
    }

    @Test
    void corruptInputIsNotHandedBack() throws Exception {
        long id = library.quarantined("folder", "broken.jpg", Library.bytes("broken"), "corrupt or truncated image: premature end");

        Retries.Outcome outcome = retries.input(id);

        assertThat(outcome.done()).isFalse();
        assertThat(outcome.message()).contains("corrupt file: replace it at the source");
        assertThat(home.resolve("quarantine/2026-12-01/broken.jpg")).exists();
        assertThat(home.resolve("inbox/folder/retried/broken.jpg")).doesNotExist();
        assertThat(ledger.rows("select disposition from source_files where id = ?", id).get(0).get("disposition"))
                .isEqualTo("quarantined");
    }

    @Test
    void compressionThatGaveUpAfterATimeoutIsQueuedAgainAndOneThatCannotDecodeIsNot() throws Exception {
        Library.File slow = library.archived("slow.mov", MediaKind.VIDEO, JULY, Library.bytes("slow encode"));
        Library.File broken = library.archived("broken.mov", MediaKind.VIDEO, JULY, Library.bytes("broken encode"));
        Library.File early = library.archived("early.mov", MediaKind.VIDEO, JULY, Library.bytes("early encode"));
        gaveUp(slow, "ffmpeg did not finish within 3600 s", 3);
        gaveUp(broken, "undecodable input: Invalid data found when processing input", 3);
        gaveUp(early, "ffmpeg did not finish within 3600 s", 1); // compress retries this one by itself

        assertThat(retries.compress(broken.id().toString()).message()).contains("the encoder would fail the same way");
        assertThat(retries.compress(early.id().toString()).done()).isFalse();
        Retries.Outcome outcome = retries.compress(slow.id().toString());

        assertThat(outcome.done()).as(outcome.message()).isTrue();
        assertThat(ledger.rows("select compress_failures from media_files where id = ?", slow.id()).get(0).get("compress_failures"))
                .isEqualTo(0);
        assertThat(ledger.rows("select compress_failures from media_files where id = ?", broken.id()).get(0).get("compress_failures"))
                .isEqualTo(3);
        assertThat(home.resolve("work/compress").resolve(slow.sha256() + ".mov")).exists();
        assertThat(home.resolve("work/compress").resolve(broken.sha256() + ".mov")).doesNotExist();
        assertThat(ledger.rows("select detail from file_events where media_file_id = ? and entity = 'retry'", slow.id()))
                .extracting(r -> (String) r.get("detail")).singleElement().asString().contains("after 3 failure(s)");
    }

    private void gaveUp(Library.File f, String reason, int failures) {
        ledger.rows("""
                update media_files set compress_decision = 'failed', compress_reason = ?, compress_failures = ?,
                       compressed_at = now() where id = ? returning id""", reason, failures, f.id());
    }

    @Test
    void storageFiguresPerMonthOfCaptureAreExact() throws Exception {
        Storage storage = new Storage(ledger);
        Storage.Month unknownBefore = month(storage, "unknown");
        Library.File a = library.ingested("s1.mov", MediaKind.VIDEO, OffsetDateTime.of(1999, 1, 31, 23, 0, 0, 0, ZoneOffset.ofHours(3)),
                Library.bytes("storage a"));
        Library.File b = library.ingested("s2.jpg", MediaKind.PHOTO, OffsetDateTime.of(1999, 1, 2, 8, 0, 0, 0, ZoneOffset.UTC),
                Library.bytes("storage bb"));
        Library.File c = library.ingested("s3.jpg", MediaKind.PHOTO, OffsetDateTime.of(1999, 2, 1, 0, 30, 0, 0, ZoneOffset.ofHours(1)),
                Library.bytes("storage ccc"));
        Library.File d = library.ingested("s4.jpg", MediaKind.PHOTO, null, Library.bytes("storage dddd"));
        compressed(a, "compressed", 500);
        compressed(b, "original", 1900); // the gate kept the original: nothing saved
        compressed(d, "compressed", 100);

        long sa = Files.size(a.original());
        long sb = Files.size(b.original());
        long sc = Files.size(c.original());
        long sd = Files.size(d.original());
        assertThat(month(storage, "1999-01")).isEqualTo(new Storage.Month("1999-01", 2, 1, sa + sb, 500 + sb));
        assertThat(month(storage, "1999-02")).isEqualTo(new Storage.Month("1999-02", 1, 0, sc, sc));
        Storage.Month unknown = month(storage, "unknown");
        assertThat(unknown.before() - (unknownBefore == null ? 0 : unknownBefore.before())).isEqualTo(sd);
        assertThat(unknown.after() - (unknownBefore == null ? 0 : unknownBefore.after())).isEqualTo(100);
        List<Storage.Month> months = storage.months();
        assertThat(months.get(months.size() - 1).month()).isEqualTo("unknown");

        Map<String, Object> model = storage.model();
        long total = months.stream().mapToLong(m -> m.before() - m.after()).sum();
        assertThat(model.get("savedBytes")).isEqualTo(total);
        assertThat((String) model.get("chart")).startsWith("<svg").contains("1999-01: ", "<title>", "unknown")
                .doesNotContain("<script", "style=");
    }

    private void compressed(Library.File f, String decision, long size) {
        ledger.rows("update media_files set compress_decision = ?, compressed_size = ? where id = ? returning id",
                decision, size, f.id());
    }

    private static Storage.Month month(Storage storage, String month) {
        return storage.months().stream().filter(m -> m.month().equals(month)).findFirst().orElse(null);
    }

    private String status(UUID id) {
        return (String) ledger.rows("select status from media_files where id = ?", id).get(0).get("status");
    }
}
