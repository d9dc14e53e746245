package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mediapipeline.Application;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.LiveLedger;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, part 3: a corpus of bad inputs, each generated here with the real tools, mixed with good files in a
 * folder source and run through the packaged jar's `once`. Each kind must reach the outcome a user needs
 * (quarantined with its copy and reason, skipped with its reason, or imported correctly), none stops the run, the
 * good files are all imported, nothing twice, and the run report lists every bad file. Each input's name starts with
 * its kind's tag ("kNN-"), which is how its ledger row and report entry are found (a name with invalid UTF-8 bytes
 * cannot be spelled as a Java string).
 */
class BadInputCorpusIT {

    enum Outcome { QUARANTINED, SKIPPED, IMPORTED }

    /**
     * One kind of bad input: its tag (the file name's prefix), what it is, what a user needs, and what shows it: a part
     * of the reason (quarantined, skipped) or the folder under sorted/ (imported); sha is the content's, when imported.
     */
    record Kind(String tag, String what, Outcome outcome, String expect, String sha) {
    }

    private static final Instant FILE_TIME = Instant.parse("2019-05-05T12:00:00Z");

    @TempDir
    Path tmp;
    PipelineHome pipeline;
    Path lib;
    Path src;
    final List<Kind> kinds = new ArrayList<>();

    @Test
    void eachBadInputReachesQuarantineOrACorrectOutcomeAndNoneStopsTheRun() throws Exception {
        pipeline = new PipelineHome(tmp).set("pipeline.timezone", "UTC").set("pipeline.ingest.parallelism", "2")
                .set("pipeline.ingest.growing-wait-seconds", "3").set("pipeline.source.folder.poll-seconds", "2");
        lib = pipeline.library();
        src = Files.createDirectories(tmp.resolve("src"));
        Map<Path, String> good = goodFiles();
        byte[] jpeg = Files.readAllBytes(src.resolve("base.jpg"));
        byte[] png = Files.readAllBytes(src.resolve("base.png"));
        byte[] mp4 = Files.readAllBytes(src.resolve("base.mp4"));

        quarantined("k01-zero-bytes.jpg", new byte[0], "zero bytes", "zero bytes");
        quarantined("k02-truncated.jpg", cut(jpeg), "truncated JPEG", "corrupt or truncated image");
        quarantined("k03-truncated.heic", cut(heic()), "truncated HEIC (heif-enc)", "corrupt or truncated image");
        quarantined("k04-truncated.mp4", cut(mp4), "truncated MP4", "truncated or corrupt video");
        quarantined("k05-text.jpg", "shopping list: milk, eggs\n".getBytes(), "text named .jpg", "not a photo or video (content looks like text)");
        imported("k06-jpeg.mov", jpeg, "JPEG named .mov (archived as .jpg)", "photos/2019/05/05/k06-jpeg.jpg");
        // known limit (README, "Judging damage"): a JPEG that ends in its end marker is not decoded; what matters here is
        // that a header claiming 900 megapixels neither stops nor exhausts the run, and the bytes are kept
        imported("k07-huge.jpg", hugeHeader(jpeg), "30000x30000 image header", "photos/2019/05/05/k07-huge.jpg");
        quarantined("k08-audio-only.mp4", audioOnly(), "no video stream (AAC in .mp4)", "not a photo or video (content looks like M4A)");
        // broken EXIF loses only the metadata: the pixels decode (ffmpeg resyncs), the photo is dated by its file time
        imported("k09-garbage-exif.jpg", withApp1(jpeg, exif(false)), "EXIF of garbage", "photos/2019/05/05/k09-garbage-exif.jpg");
        imported("k10-lying-exif.jpg", withApp1(jpeg, exif(true)), "APP1 with a lying length", "photos/2019/05/05/k10-lying-exif.jpg");
        // kept with the date it carries; sorted/unknown/ as no believable date (ArchivePaths: before 1971 or in the future)
        imported("k11-dated-1904.jpg", dated(jpeg, "1904:01:01 00:00:00"), "EXIF date 1904", "unknown/k11-dated-1904.jpg");
        // ffmpeg writes no creation time: QuickTime's 0 is 1904-01-01, which must read as "no date", not as 1904
        imported("k12-quicktime-zero.mp4", mp4, "QuickTime date 0 (1904)", "videos/2019/05/05/k12-quicktime-zero.mp4");
        imported("k13-dated-2099.jpg", dated(jpeg, "2099:01:01 12:00:00"), "capture date 2099", "unknown/k13-dated-2099.jpg");
        imported("k14-undated.png", png, "no date at all (file time)", "photos/2019/05/05/k14-undated.png");
        imported("k15-new\nline.jpg", dated(jpeg, "2015:05:15 15:00:00"), "newline in the name", "photos/2015/05/15/k15-new_line.jpg");
        String longName = "k16-" + "long".repeat(61) + ".jpg";
        imported(longName, dated(jpeg, "2016:06:16 16:00:00"), "name of " + longName.length() + " bytes", "photos/2016/06/16/" + longName);
        invalidUtf8Name(dated(jpeg, "2017:07:17 17:00:00"));
        link("k18-loop", ".", "symlink loop (-> .)");
        link("k19-dangling.jpg", "gone.jpg", "dangling symlink");
        quarantined("k20-random.mp4", random(20_000), "random bytes named .mp4", "not a photo or video (unrecognised content)");
        quarantined("k21-truncated.png", cut(png), "truncated PNG", "corrupt or truncated image");
        kinds.add(new Kind("k22-", "no extension", Outcome.SKIPPED, "a file without an extension", null));
        Files.write(lib.resolve("k22-no-extension"), jpeg);
        // no copy can be made of it: quarantined by its reason alone, the file left where it is
        quarantined("k24-unreadable.jpg", dated(jpeg, "2018:08:18 18:00:00"), "unreadable file (mode 0000)",
                "unreadable: permission denied");
        try (Stream<Path> s = Files.list(lib)) {
            for (Path p : s.filter(p -> !Files.isSymbolicLink(p)).toList()) {
                Files.setLastModifiedTime(p, FileTime.from(FILE_TIME));
            }
        }
        Files.setPosixFilePermissions(lib.resolve("k24-unreadable.jpg"), Set.of());
        byte[] growing = dated(jpeg, "2023:03:23 23:00:00");
        kinds.add(new Kind("k23-", "file still growing", Outcome.IMPORTED, "photos/2023/03/23/k23-growing.jpg", sha(growing)));
        AtomicReference<String> writer = new AtomicReference<>("not started");
        Thread writing = growingWriter(lib.resolve("k23-growing.jpg"), growing, good.size(), writer);

        long start = System.nanoTime();
        writing.start();
        // as a service account would run it: root reads a mode 0000 file, so the run gives up that power
        CommandLineIT.Result run = CommandLineIT.runUnprivileged(pipeline.config(), "once");
        writing.join();
        long seconds = (System.nanoTime() - start) / 1_000_000_000;

        assertThat(run.code()).as("done, some files quarantined:\n" + run.output()).isEqualTo(Application.EXIT_QUARANTINED);
        assertThat(writer.get()).as("the growing file held nothing up: the others were in while it still grew")
                .startsWith("others done while growing");
        JsonNode report = pipeline.latestReport();
        List<String[]> table = new ArrayList<>();
        try (Database db = pipeline.openLedger()) {
            List<Map<String, Object>> rows = query(db, "select s.source_path, s.disposition, s.reason, s.sha256,"
                    + " m.original_path, m.archive_path, cast(extract(year from m.captured_at at time zone 'UTC') as int) as year"
                    + " from source_files s left join media_files m on m.id = s.media_file_id");
            for (Kind k : kinds) {
                Map<String, Object> row = only(rows, k.tag());
                String reason = (String) row.get("reason");
                table.add(new String[] {k.what(), name((String) row.get("source_path")).replace("\n", "\\n"), (String) row.get("disposition"),
                        reason != null ? reason : String.valueOf(row.get("archive_path")).replace(pipeline.sorted() + "/", "sorted/")});
                assertThat(row.get("disposition")).as(k.what()).isEqualTo(k.outcome().name().toLowerCase(Locale.ROOT));
                switch (k.outcome()) {
                    case QUARANTINED -> assertQuarantined(k, row);
                    case SKIPPED -> assertThat(reason).as(k.what()).contains(k.expect());
                    case IMPORTED -> assertImported(k, row);
                }
                JsonNode listed = reported(report, k.tag());
                assertThat(listed.get("status").asText()).as("the run report lists " + k.what())
                        .isEqualTo(k.outcome() == Outcome.IMPORTED ? "archived" : row.get("disposition"));
                if (k.outcome() != Outcome.IMPORTED) {
                    assertThat(listed.get("error").asText()).as("the report says why: " + k.what()).isEqualTo(reason);
                }
            }
            assertThat(only(rows, "k11-").get("year")).as("the 1904 photo keeps the date it carries").isEqualTo(1904);
            assertThat(only(rows, "k13-").get("year")).as("the 2099 photo keeps the date it carries").isEqualTo(2099);
            good.forEach((file, sha) -> assertThat(only(rows, file.getFileName().toString()).get("sha256"))
                    .as("good file " + file.getFileName()).isEqualTo(sha));
            assertThat(only(rows, "good-copy.jpg").get("disposition")).isEqualTo("duplicate");
            assertThat(rows).as("every input recorded once: the kinds, the good files and the copy")
                    .hasSize(kinds.size() + good.size() + 1);
            long media = kinds.stream().filter(k -> k.outcome() == Outcome.IMPORTED).count() + good.size();
            assertThat(query(db, "select 1 from media_files")).as("nothing imported twice").hasSize((int) media);
            assertThat(files(pipeline.home().resolve("originals"))).hasSize((int) media);
            assertThat(files(pipeline.sorted())).hasSize((int) media);
        }
        assertThat(files(pipeline.home().resolve("work"))).as("no work left queued").isEmpty();

        System.out.printf("%nBad-input corpus: %d kinds tried, exit code %d, %d s%n", kinds.size(), run.code(), seconds);
        System.out.printf("%-38s %-28s %-12s %s%n", "kind", "file", "outcome", "reason / archive");
        table.forEach(r -> System.out.printf("%-38s %-28.28s %-12s %s%n", (Object[]) r));
        NOT_TRIED.forEach(r -> System.out.printf("%-38s %-28s %-12s %s%n", r[0], "-", "not tried", r[1]));
    }

    /** Kinds the issue lists that this test cannot make happen deterministically, and why. */
    private static final List<String[]> NOT_TRIED = List.of(
            new String[] {"vanishing mid-read", "not deterministic from outside the JVM (a window of milliseconds)"},
            new String[] {"changed between hash and copy", "not deterministic here; FileLossIT and FileStoreTest cover it"});

    private void assertQuarantined(Kind k, Map<String, Object> row) throws IOException {
        String reason = (String) row.get("reason");
        assertThat(reason).as(k.what()).contains(k.expect());
        if (reason.startsWith("unreadable")) {
            assertThat(files(pipeline.home().resolve("quarantine")).stream().map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(k.tag()))).as(k.what() + ": its reason, no copy").hasSize(1)
                    .allMatch(n -> n.endsWith(".reason.txt"));
            assertThat(lib.resolve(name((String) row.get("source_path")))).as(k.what() + ": left where it is").exists();
            return;
        }
        List<Path> copies = files(pipeline.home().resolve("quarantine")).stream()
                .filter(p -> p.getFileName().toString().startsWith(k.tag())).toList();
        Path copy = copies.stream().filter(p -> !p.toString().endsWith(".reason.txt")).findFirst().orElseThrow();
        assertThat(copies).as(k.what() + ": the copy and its reason, once").hasSize(2)
                .contains(copy.resolveSibling(copy.getFileName() + ".reason.txt"));
        assertThat(copy.getParent().getFileName().toString()).as("quarantine/<date>/").matches("\\d{4}-\\d{2}-\\d{2}");
        assertThat(PipelineHome.sha(copy)).as(k.what() + ": the quarantined copy is the input").isEqualTo(row.get("sha256"));
        assertThat(Files.readString(copy.resolveSibling(copy.getFileName() + ".reason.txt")))
                .contains("reason: " + reason.lines().findFirst().orElseThrow());
    }

    private void assertImported(Kind k, Map<String, Object> row) {
        assertThat(row.get("sha256")).as(k.what()).isEqualTo(k.sha());
        Path original = Path.of((String) row.get("original_path"));
        assertThat(original).as(k.what()).startsWith(pipeline.home().resolve("originals"));
        assertThat(PipelineHome.sha(original)).as(k.what() + ": the original is the input").isEqualTo(k.sha());
        Path archived = pipeline.sorted().relativize(Path.of((String) row.get("archive_path")));
        Path expected = Path.of(k.expect());
        assertThat(archived.getParent()).as(k.what() + ": archived where its date says").isEqualTo(expected.getParent());
        String name = archived.getFileName().toString();
        if (name.length() < expected.getFileName().toString().length()) {
            // a name is cut to 200 bytes, keeping its extension, well inside the file systems' 255
            assertThat(name).as(k.what()).hasSizeLessThanOrEqualTo(200).endsWith(".jpg");
            assertThat(expected.getFileName().toString()).as(k.what()).startsWith(name.substring(0, name.length() - 4));
        } else {
            assertThat(name).as(k.what()).isEqualTo(expected.getFileName().toString());
        }
    }

    /** The one ledger row whose file name starts with that tag (or is that name): more than one is an input recorded twice. */
    private static Map<String, Object> only(List<Map<String, Object>> rows, String tag) {
        List<Map<String, Object>> found = rows.stream().filter(r -> name((String) r.get("source_path")).startsWith(tag)).toList();
        assertThat(found).as("ledger rows for " + tag).hasSize(1);
        return found.get(0);
    }

    private static JsonNode reported(JsonNode report, String tag) {
        List<JsonNode> entries = new ArrayList<>();
        report.get("files").forEach(f -> {
            if (name(f.get("source").asText()).startsWith(tag)) {
                entries.add(f);
            }
        });
        assertThat(entries).as("report entries for " + tag).hasSize(1);
        return entries.get(0);
    }

    private static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static String sha(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void quarantined(String name, byte[] bytes, String what, String reason) throws IOException {
        Files.write(lib.resolve(name), bytes);
        kinds.add(new Kind(name.substring(0, 4), what, Outcome.QUARANTINED, reason, null));
    }

    private void imported(String name, byte[] bytes, String what, String archived) throws IOException {
        Files.write(lib.resolve(name), bytes);
        kinds.add(new Kind(name.substring(0, 4), what, Outcome.IMPORTED, archived, sha(bytes)));
    }

    private void link(String name, String target, String what) throws IOException {
        Files.createSymbolicLink(lib.resolve(name), Path.of(target));
        kinds.add(new Kind(name.substring(0, 4), what, Outcome.SKIPPED, "a symbolic link (to " + target + "): links are not followed", null));
    }

    /** Good photos (dated), a dated video, and an exact copy of one photo (by sha256); plus the bases the bad kinds are made from. */
    private Map<Path, String> goodFiles() throws IOException {
        List<Path> good = new ArrayList<>(Tools.photos(lib, "good-", 3, "2021:04:01 09:00:00"));
        Tools.run(src, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", "-q:v", "3", "base.jpg");
        Tools.run(src, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", "base.png");
        Tools.run(src, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=15", "-t", "1",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "base.mp4");
        Files.copy(src.resolve("base.mp4"), lib.resolve("good-video.mp4"));
        Tools.run(lib, "exiftool", "-q", "-overwrite_original", "-QuickTime:CreateDate=2021:04:02 10:00:00", "good-video.mp4");
        good.add(lib.resolve("good-video.mp4"));
        Files.copy(good.get(0), lib.resolve("good-copy.jpg"));
        Map<Path, String> shas = new LinkedHashMap<>();
        good.forEach(p -> shas.put(p, PipelineHome.sha(p)));
        return shas;
    }

    private static byte[] cut(byte[] whole) {
        return Arrays.copyOf(whole, whole.length / 2);
    }

    private byte[] heic() throws IOException {
        Tools.run(src, "heif-enc", "-q", "50", "-o", "base.heic", "base.png");
        return Files.readAllBytes(src.resolve("base.heic"));
    }

    private byte[] audioOnly() throws IOException {
        Tools.run(src, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", "audio.m4a");
        return Files.readAllBytes(src.resolve("audio.m4a"));
    }

    private byte[] dated(byte[] jpeg, String exifDate) throws IOException {
        Path f = Files.write(src.resolve("dated.jpg"), jpeg);
        Tools.run(src, "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=" + exifDate, "dated.jpg");
        return Files.readAllBytes(f);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new java.util.Random(16).nextBytes(b);
        return b;
    }

    /** The JPEG with its first frame header (SOF0..SOF2) claiming 30000x30000 pixels; the rest as it was. */
    private static byte[] hugeHeader(byte[] jpeg) {
        byte[] b = jpeg.clone();
        for (int i = 2; i + 9 < b.length; ) {
            int marker = b[i + 1] & 0xff;
            int len = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
            if (marker >= 0xC0 && marker <= 0xC2) {
                b[i + 5] = (byte) (30000 >> 8);
                b[i + 6] = (byte) (30000 & 0xff);
                b[i + 7] = (byte) (30000 >> 8);
                b[i + 8] = (byte) (30000 & 0xff);
                return b;
            }
            i += 2 + len;
        }
        throw new IllegalStateException("no SOF in the base JPEG");
    }

    /** An APP1 "Exif" segment of garbage; lying: its length claims far more bytes than the segment has. */
    private static byte[] exif(boolean lying) {
        byte[] body = random(200);
        byte[] seg = new byte[4 + 6 + body.length];
        seg[0] = (byte) 0xFF;
        seg[1] = (byte) 0xE1;
        int len = lying ? 0xFFF0 : seg.length - 2;
        seg[2] = (byte) (len >> 8);
        seg[3] = (byte) len;
        System.arraycopy("Exif\0\0".getBytes(), 0, seg, 4, 6);
        if (!lying) {
            System.arraycopy("MM\0*\0\0\0\u0008".getBytes(), 0, body, 0, 8); // a TIFF header pointing into garbage
        }
        System.arraycopy(body, 0, seg, 10, body.length);
        return seg;
    }

    /** The segment inserted right after SOI. */
    private static byte[] withApp1(byte[] jpeg, byte[] segment) {
        byte[] b = new byte[jpeg.length + segment.length];
        System.arraycopy(jpeg, 0, b, 0, 2);
        System.arraycopy(segment, 0, b, 2, segment.length);
        System.arraycopy(jpeg, 2, b, 2 + segment.length, jpeg.length - 2);
        return b;
    }

    /**
     * A name with the bytes 0xFF 0xFE, which no UTF-8 string spells: made by the shell. Java sees them as U+FFFD and
     * cannot open the file by that name, so the folder source reports it as skipped, saying to rename it.
     */
    private void invalidUtf8Name(byte[] content) throws IOException {
        Path f = Files.write(src.resolve("utf8.jpg"), content);
        Tools.run(lib, "bash", "-c", "cp \"$1\" \"$(printf 'k17-bad\\xff\\xfename.jpg')\"", "bash", f.toString());
        kinds.add(new Kind("k17-", "invalid UTF-8 bytes in the name", Outcome.SKIPPED, "a name that is not valid UTF-8", null));
    }

    /**
     * Writes the file slowly (a few bytes a time, so it keeps changing) until the live ledger shows the other good
     * files imported, i.e. the growing file held nothing up; then the rest. Gives up after 90 s (noted in done).
     */
    private Thread growingWriter(Path target, byte[] bytes, int others, AtomicReference<String> done) {
        return new Thread(() -> {
            long deadline = System.nanoTime() + 90_000_000_000L;
            try (OutputStream out = Files.newOutputStream(target); LiveLedger live = new LiveLedger(pipeline.home())) {
                int off = 1000;
                out.write(bytes, 0, off);
                while (System.nanoTime() < deadline && off < bytes.length - 1000) {
                    int imported = live.rowsIfUp("select count(*) as n from source_files where source_path like '%/good-%'"
                            + " and disposition in ('imported', 'duplicate')")
                            .map(r -> ((Number) r.get(0).get("n")).intValue()).orElse(0);
                    if (imported == others + 1) {
                        break;
                    }
                    out.write(bytes, off, 16);
                    out.flush();
                    off += 16;
                    Thread.sleep(300);
                }
                out.write(bytes, off, bytes.length - off);
                done.set(off < bytes.length - 1000 ? "others done while growing at " + off + " bytes" : "ran out of bytes or time");
            } catch (Exception e) {
                done.set("failed: " + e);
            }
        });
    }
}
