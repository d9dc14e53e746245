package io.mediapipeline.dashboard.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.flow.Handoff;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.MediaKind;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.RequiredTools;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file pages' answers, read from a real ledger holding the rows the stages write. */
class FileLedgerTest {

    @TempDir
    static Path tmp;
    static Database db;
    static Ledger ledger;
    static Path home;
    static Library library;
    static Retries retries;

    @BeforeAll
    static void open() {
        PipelineHome pipeline = new PipelineHome(tmp);
        home = pipeline.home();
        db = pipeline.openLedger();
        ledger = new Ledger(db.dataSource());
        library = new Library(ledger, home);
        retries = new Retries(db.dataSource(), new Handoff(home.resolve("work"), List.of("organize", "compress")), home, 3);
    }

    @AfterAll
    static void close() {
        if (db != null) {
            db.close();
        }
    }

    private static final OffsetDateTime JULY = OffsetDateTime.of(2023, 7, 14, 12, 0, 0, 0, ZoneOffset.ofHours(2));

    private static List<String> names(Search.Result r) {
        return r.files().stream().map(f -> (String) f.get("original_name")).toList();
    }

    @Test
    void searchByNameTakesWildcardsLiterally() throws Exception {
        library.ingested("Beach_Day.jpg", MediaKind.PHOTO, JULY, Library.bytes("beach 1"));
        library.ingested("beachXday.jpg", MediaKind.PHOTO, JULY, Library.bytes("beach 2"));
        library.ingested("777%.jpg", MediaKind.PHOTO, JULY, Library.bytes("percent"));
        library.ingested("7770.jpg", MediaKind.PHOTO, JULY, Library.bytes("thousand"));
        Search search = new Search(ledger);

        assertThat(names(search.find("beach_"))).containsExactly("Beach_Day.jpg");
        assertThat(names(search.find("  BEACH  "))).containsExactlyInAnyOrder("Beach_Day.jpg", "beachXday.jpg");
        assertThat(names(search.find("777%"))).containsExactly("777%.jpg");
        assertThat(names(search.find("777"))).containsExactlyInAnyOrder("777%.jpg", "7770.jpg");
        assertThat(names(search.find("no such name'; drop table media_files; --"))).isEmpty();
    }

    @Test
    void searchByHashNeedsAPrefixOfEightHexDigits() throws Exception {
        Library.File f = library.ingested("hashed.jpg", MediaKind.PHOTO, JULY, Library.bytes("hashed"));
        Search search = new Search(ledger);

        assertThat(names(search.find(f.sha256().substring(0, 8).toUpperCase()))).containsExactly("hashed.jpg");
        assertThat(names(search.find(f.sha256()))).containsExactly("hashed.jpg");
        assertThat(names(search.find(f.sha256().substring(0, 7)))).isEmpty();
    }

    @Test
    void searchByDateFollowsTheLocalDayThePhotoWasTaken() throws Exception {
        // 23:30 at +02:00 is 21:30 UTC on the 1st; 01:00 at +02:00 on the 2nd is still the 1st in UTC
        library.ingested("late.jpg", MediaKind.PHOTO, OffsetDateTime.of(2021, 3, 1, 23, 30, 0, 0, ZoneOffset.ofHours(2)),
                Library.bytes("late"));
        library.ingested("early.jpg", MediaKind.PHOTO, OffsetDateTime.of(2021, 3, 2, 1, 0, 0, 0, ZoneOffset.ofHours(2)),
                Library.bytes("early"));
        library.ingested("april.jpg", MediaKind.PHOTO, OffsetDateTime.of(2021, 4, 1, 0, 30, 0, 0, ZoneOffset.ofHours(2)),
                Library.bytes("april"));
        Search search = new Search(ledger);

        assertThat(names(search.find("2021-03-01"))).containsExactly("late.jpg");
        assertThat(names(search.find("2021-03-02"))).containsExactly("early.jpg");
        assertThat(names(search.find("2021-03"))).containsExactly("early.jpg", "late.jpg");
        assertThat(names(search.find("2021-04"))).containsExactly("april.jpg");
    }

    @Test
    void searchShowsAtMostAHundredFilesNewestFirst() throws Exception {
        for (int i = 1; i <= 103; i++) {
            library.ingested(String.format("many_%03d.jpg", i), MediaKind.PHOTO,
                    OffsetDateTime.of(2019, 3, 1, 0, 0, 0, 0, ZoneOffset.UTC).plusMinutes(i), Library.bytes("many " + i));
        }
        Search.Result r = new Search(ledger).find("2019-03");

        assertThat(r.files()).hasSize(100);
        assertThat(r.more()).isTrue();
        assertThat(names(r).get(0)).isEqualTo("many_103.jpg");
        assertThat(names(r).get(99)).isEqualTo("many_004.jpg");
    }

    @Test
    @SuppressWarnings("unchecked")
    void journeyListsEveryEventInOrderWithItsEvidence() throws Exception {
        Library.File f = library.archived("journey.jpg", MediaKind.PHOTO, JULY, Library.bytes("journey"));
        ledger.rows("""
                insert into deliveries (media_file_id, target, state, staged_path, evidence)
                values (?, 'pixel', 'staged', ?, '{"availability":[{"id":"PHONE-DEVICE-ID","fromTemporary":false}],"size":2012}'::jsonb)
                returning id""", f.id(), home.resolve("bridge/pixel/b1/journey.jpg").toString());
        ledger.rows("update deliveries set state = 'confirmed', confirmed_at = now() where media_file_id = ? returning id", f.id());
        ledger.markError(f.id(), "verify", "copy missing: the archive copy");
        ledger.returnFromError(f.id());

        Map<String, Object> model = new Journey(ledger).of(f.id().toString()).orElseThrow();

        List<Map<String, Object>> events = (List<Map<String, Object>>) model.get("events");
        List<String> expected = ledger.rows("select entity || ':' || to_state as e from file_events where media_file_id = ? order by id",
                f.id()).stream().map(r -> (String) r.get("e")).toList();
        assertThat(expected).hasSizeGreaterThanOrEqualTo(7);
        assertThat(events.stream().map(e -> e.get("entity") + ":" + e.get("to_state")).toList()).isEqualTo(expected)
                .containsSubsequence("media_file:ingesting", "media_file:ingested", "media_file:archived",
                        "delivery:pixel:staged", "delivery:pixel:confirmed", "media_file:error", "media_file:archived");
        assertThat(events).anySatisfy(e -> assertThat(e.get("detail")).isEqualTo("verify: copy missing: the archive copy"));

        Map<String, Object> delivery = ((List<Map<String, Object>>) model.get("deliveries")).get(0);
        assertThat((List<Map<String, String>>) delivery.get("lines")).contains(
                Map.of("key", "availability[1].id", "value", "PHONE-DEVICE-ID"),
                Map.of("key", "availability[1].fromTemporary", "value", "false"), Map.of("key", "size", "value", "2012"));
        assertThat((List<Map<String, Object>>) model.get("paths")).extracting(p -> p.get("label") + "=" + p.get("present"))
                .contains("original=true", "archive (sorted/)=true", "bridge (pixel)=false");
        assertThat(((Map<String, Object>) model.get("file")).get("sha256")).isEqualTo(f.sha256());

        assertThat(new Journey(ledger).of(UUID.randomUUID().toString())).isEmpty();
        assertThat(new Journey(ledger).of("../../etc/passwd")).isEmpty();
    }

    @Test
    void thumbnailIsMadeOnceFromTheArchiveAndKeptPrivate() throws Exception {
        RequiredTools.need(Tools.onPath("ffmpeg"), "ffmpeg");
        Path dir = Files.createDirectories(tmp.resolve("made"));
        Tools.run(dir, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=800x600", "-frames:v", "1", "big.jpg");
        Library.File photo = library.archived("big.jpg", MediaKind.PHOTO, JULY, Files.readAllBytes(dir.resolve("big.jpg")));
        Thumbnails thumbnails = new Thumbnails(ledger, home, "ffmpeg", "heif-convert");

        Path thumb = thumbnails.of(photo.id().toString()).orElseThrow();
        assertThat(thumb).isEqualTo(home.resolve("state/thumbnails").resolve(photo.sha256() + ".jpg"));
        String size = Tools.run(dir, "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                "stream=width,height", "-of", "csv=p=0", thumb.toString()).strip();
        assertThat(size).isEqualTo("320,240");
        assertThat(Files.getPosixFilePermissions(thumb.getParent())).extracting(Object::toString)
                .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE", "OWNER_EXECUTE");
        assertThat(Files.list(thumb.getParent()).map(p -> p.getFileName().toString()).toList())
                .contains(photo.sha256() + ".jpg").noneMatch(n -> n.startsWith("."));

        // made once: with the photo gone from the archive the cached one is still served, untouched
        var made = Files.getLastModifiedTime(thumb);
        Files.delete(photo.archive());
        Files.delete(photo.original());
        assertThat(new Thumbnails(ledger, home, "/no/such/ffmpeg", "/no/such/heif-convert").of(photo.id().toString())).contains(thumb);
        assertThat(Files.getLastModifiedTime(thumb)).isEqualTo(made);
    }

    @Test
    void heicPhotoGetsAThumbnailThroughHeifConvert() throws Exception {
        RequiredTools.need(Tools.onPath("ffmpeg") && Tools.onPath("heif-enc") && Tools.onPath("heif-convert"),
                "ffmpeg, heif-enc and heif-convert (libheif-examples)");
        Path dir = Files.createDirectories(tmp.resolve("heic"));
        Tools.run(dir, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=480x640", "-frames:v", "1", "portrait.png");
        Tools.run(dir, "heif-enc", "-q", "60", "-o", "IMG_0001.HEIC", "portrait.png");
        Library.File heic = library.archived("IMG_0001.HEIC", MediaKind.PHOTO, JULY, Files.readAllBytes(dir.resolve("IMG_0001.HEIC")));

        Path thumb = new Thumbnails(ledger, home, "ffmpeg", "heif-convert").of(heic.id().toString()).orElseThrow();

        assertThat(Tools.run(dir, "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                "-of", "csv=p=0", thumb.toString()).strip()).isEqualTo("240,320");
        assertThat(Files.list(thumb.getParent()).map(p -> p.getFileName().toString()))
                .noneMatch(n -> n.startsWith("."));
    }

    @Test
    void noThumbnailForAVideoAMissingFileOrAFileOutsideTheDataDirectory() throws Exception {
        RequiredTools.need(Tools.onPath("ffmpeg"), "ffmpeg");
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Tools.run(outside, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=100x80", "-frames:v", "1", "secret.jpg");
        Library.File video = library.archived("clip.mov", MediaKind.VIDEO, JULY, Library.bytes("a video"));
        Library.File gone = library.archived("gone.jpg", MediaKind.PHOTO, JULY, Library.bytes("gone"));
        Files.delete(gone.archive());
        Files.delete(gone.original());
        Library.File elsewhere = library.archived("elsewhere.jpg", MediaKind.PHOTO, JULY, Library.bytes("elsewhere"));
        ledger.rows("update media_files set archive_path = ?, original_path = ? where id = ? returning id",
                outside.resolve("secret.jpg").toString(), outside.resolve("secret.jpg").toString(), elsewhere.id());
        Thumbnails thumbnails = new Thumbnails(ledger, home, "ffmpeg", "heif-convert");

        assertThat(thumbnails.of(video.id().toString())).isEmpty();
        assertThat(thumbnails.of(gone.id().toString())).isEmpty();
        assertThat(thumbnails.of(elsewhere.id().toString())).isEmpty();
        assertThat(thumbnails.of("not-an-id")).isEmpty();
        assertThat(home.resolve("state/thumbnails").resolve(elsewhere.sha256() + ".jpg")).doesNotExist();
    }

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

    private static void gaveUp(Library.File f, String reason, int failures) {
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

    private static void compressed(Library.File f, String decision, long size) {
        ledger.rows("update media_files set compress_decision = ?, compressed_size = ? where id = ? returning id",
                decision, size, f.id());
    }

    private static Storage.Month month(Storage storage, String month) {
        return storage.months().stream().filter(m -> m.month().equals(month)).findFirst().orElse(null);
    }

    private static String status(UUID id) {
        return (String) ledger.rows("select status from media_files where id = ?", id).get(0).get("status");
    }
}
