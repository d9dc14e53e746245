package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static io.mediapipeline.support.PipelineHome.sha;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.Application;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.FolderState;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The foundation's promise, end to end on the real app, real routes/, a real embedded PostgreSQL
 * and real ffprobe/exiftool: a folder of photos and videos becomes a deduplicated, date-organized
 * archive with every input recorded, bad input quarantined, and a second run changes nothing.
 */
class FolderImportIT {

    @TempDir
    Path tmp;
    PipelineHome pipeline;
    Path lib;

    @BeforeEach
    void setUp() {
        // one worker: which of two identical files becomes the original is then decided by age alone
        pipeline = new PipelineHome(tmp).set("pipeline.timezone", "Europe/Berlin").set("pipeline.ingest.parallelism", "1");
        lib = pipeline.library();
    }

    @Test
    void folderBecomesDatedArchiveAndSecondRunImportsNothing() throws Exception {
        // good photos and a portrait video with known capture dates
        Tools.run(lib, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120", "-frames:v", "3", "-q:v", "4", "p%d.jpg");
        Files.move(lib.resolve("p1.jpg"), lib.resolve("summer.jpg"));
        Files.move(lib.resolve("p2.jpg"), lib.resolve("tokyo.jpg"));
        Files.move(lib.resolve("p3.jpg"), lib.resolve("Beach day – été.jpg"));
        Tools.run(lib, "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2023:07:14 10:00:00",
                "-GPSLatitude=48.1", "-GPSLatitudeRef=N", "-GPSLongitude=11.5", "-GPSLongitudeRef=E", "summer.jpg");
        // taken at 23:30 in Tokyo: the archive follows the local date the photo carries
        Tools.run(lib, "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2021:01:02 23:30:00",
                "-OffsetTimeOriginal=+09:00", "tokyo.jpg");
        Tools.run(lib, "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2022:12:24 18:00:00", "Beach day – été.jpg");
        // QuickTime dates are UTC: 23:30Z on 5 March is 00:30 on 6 March in Berlin
        Tools.run(lib, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=180x320:rate=15", "-t", "1",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "portrait.mp4");
        Tools.run(lib, "exiftool", "-q", "-overwrite_original", "-QuickTime:CreateDate=2024:03:05 23:30:00", "portrait.mp4");
        // no date in the file at all: the modification time decides
        Tools.run(lib, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", "undated.png");
        Files.setLastModifiedTime(lib.resolve("undated.png"), FileTime.from(Instant.parse("2019-05-05T12:00:00Z")));
        // a JPEG whose name says PNG is archived under its real extension
        Files.copy(lib.resolve("summer.jpg"), tmp.resolve("x.jpg"));
        Tools.run(tmp, "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2020:02:29 08:00:00", "x.jpg");
        Files.move(tmp.resolve("x.jpg"), lib.resolve("misnamed.png"));
        // a newline in a name
        Files.copy(lib.resolve("misnamed.png"), lib.resolve("odd\nname.jpg"));
        Tools.run(lib, "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2018:08:08 08:08:08", "-Artist=odd", "odd\nname.jpg");
        // an exact duplicate in a subfolder
        Files.createDirectories(lib.resolve("copies"));
        Files.copy(lib.resolve("summer.jpg"), lib.resolve("copies/summer (1).jpg"));
        // bad input
        Files.createFile(lib.resolve("empty.jpg"));
        byte[] jpeg = Files.readAllBytes(lib.resolve("tokyo.jpg"));
        Files.write(lib.resolve("broken.jpg"), java.util.Arrays.copyOf(jpeg, jpeg.length / 2));
        Files.writeString(lib.resolve("notes.jpg"), "shopping list: milk, eggs\n");
        Files.write(lib.resolve("cut.mp4"), java.util.Arrays.copyOf(Files.readAllBytes(lib.resolve("portrait.mp4")), 2000));

        int inputs = files(lib).size();
        assertThat(inputs).isEqualTo(12);
        Map<String, String> sourceBefore = FolderState.of(lib);

        int rc = pipeline.once();
        assertThat(rc).as("exit code: done with some files quarantined").isEqualTo(Application.EXIT_QUARANTINED);

        Path sorted = pipeline.sorted();
        Map<String, String> archived = files(sorted).stream().collect(Collectors.toMap(
                p -> sorted.relativize(p).toString(), PipelineHome::sha));
        // summer.jpg and its exact copy copies/summer (1).jpg: the one ingest takes first (the order the folder lists
        // them in) is the original and names the archived file
        String summer = archived.containsKey("photos/2023/07/14/summer (1).jpg") ? "summer (1).jpg" : "summer.jpg";
        Map<String, String> expected = Map.of(
                "photos/2023/07/14/" + summer, sha(lib.resolve("summer.jpg")),
                "photos/2021/01/02/tokyo.jpg", sha(lib.resolve("tokyo.jpg")),
                "photos/2022/12/24/Beach day – été.jpg", sha(lib.resolve("Beach day – été.jpg")),
                "videos/2024/03/06/portrait.mp4", sha(lib.resolve("portrait.mp4")),
                "photos/2019/05/05/undated.png", sha(lib.resolve("undated.png")),
                "photos/2020/02/29/misnamed.jpg", sha(lib.resolve("misnamed.png")),
                "photos/2018/08/08/odd_name.jpg", sha(lib.resolve("odd\nname.jpg")));
        assertThat(archived).as("each unique file once, at its date, byte-identical").isEqualTo(expected);

        List<Path> duplicates = files(pipeline.home().resolve("duplicates"));
        assertThat(duplicates).hasSize(1);
        assertThat(sha(duplicates.get(0))).isEqualTo(sha(lib.resolve("summer.jpg")));

        List<Path> reasons = files(pipeline.home().resolve("quarantine")).stream()
                .filter(p -> p.toString().endsWith(".reason.txt")).toList();
        Map<String, String> reasonByName = new java.util.TreeMap<>();
        for (Path r : reasons) {
            String text = Files.readString(r);
            reasonByName.put(r.getFileName().toString().replace(".reason.txt", ""),
                    text.lines().filter(l -> l.startsWith("reason: ")).findFirst().orElseThrow());
        }
        assertThat(reasonByName).containsOnlyKeys("empty.jpg", "broken.jpg", "notes.jpg", "cut.mp4");
        assertThat(reasonByName.get("empty.jpg")).contains("zero bytes");
        assertThat(reasonByName.get("notes.jpg")).contains("not a photo or video");
        assertThat(reasonByName.get("broken.jpg")).containsIgnoringCase("corrupt");
        assertThat(reasonByName.get("cut.mp4")).containsAnyOf("corrupt", "truncated");
        // the quarantine keeps a copy of each bad input beside its reason
        assertThat(files(pipeline.home().resolve("quarantine"))).hasSize(8);

        assertThat(FolderState.of(lib)).as("the source folder is never changed: names, sizes, times, modes, content")
                .isEqualTo(sourceBefore);
        assertThat(files(pipeline.home().resolve("work"))).as("no work left queued").isEmpty();
        assertThat(files(pipeline.home()).stream().filter(p -> p.toString().endsWith(".mp-tmp"))).isEmpty();

        JsonNode report = latestReport();
        List<String> reported = new ArrayList<>();
        report.get("files").forEach(f -> reported.add(f.get("source").asText()));
        assertThat(reported).as("the run report lists every input")
                .containsExactlyInAnyOrderElementsOf(files(lib).stream().map(Path::toString).toList());
        assertThat(report.get("counts").get("imported").asInt()).isEqualTo(7);
        assertThat(report.get("counts").get("duplicate").asInt()).isEqualTo(1);
        assertThat(report.get("counts").get("quarantined").asInt()).isEqualTo(4);
        Path copy = summer.equals("summer.jpg") ? lib.resolve("copies/summer (1).jpg") : lib.resolve("summer.jpg");
        int copies = 0;
        for (JsonNode f : report.get("files")) {
            if (f.get("source").asText().equals(copy.toString())) {
                assertThat(f.get("status").asText()).isEqualTo("duplicate");
                assertThat(f.get("duplicateOf").asText()).contains("originals");
                copies++;
            }
        }
        assertThat(copies).as("the copy ingest took second is reported as the duplicate").isEqualTo(1);

        try (Database db = pipeline.openLedger()) {
            List<Map<String, Object>> media = query(db, "select sha256, status, kind, has_gps, archive_path from media_files");
            assertThat(media).hasSize(7).allSatisfy(m -> assertThat(m.get("status")).isEqualTo("archived"));
            assertThat(media).filteredOn(m -> sha(lib.resolve("summer.jpg")).equals(m.get("sha256")))
                    .singleElement().satisfies(m -> assertThat(m.get("has_gps")).isEqualTo(true));
            // exact: misnamed.png (summer.jpg re-dated) is its near-duplicate, recorded either way round by ingest order
            assertThat(query(db, "select d.kind from duplicate_files d join media_files m on m.id = d.original_file_id"
                    + " where m.sha256 = ? and d.kind = 'exact'", sha(lib.resolve("summer.jpg")))).hasSize(1);
            Map<String, String> ledgerReasons = new java.util.TreeMap<>();
            query(db, "select source_path, reason from source_files where disposition = 'quarantined'").forEach(r ->
                    ledgerReasons.put(Path.of((String) r.get("source_path")).getFileName().toString(), (String) r.get("reason")));
            assertThat(ledgerReasons).as("the ledger row of each bad input says why")
                    .containsOnlyKeys("empty.jpg", "broken.jpg", "notes.jpg", "cut.mp4");
            assertThat(ledgerReasons.get("empty.jpg")).contains("zero bytes");
            assertThat(ledgerReasons.get("notes.jpg")).contains("not a photo or video");
            assertThat(ledgerReasons.get("broken.jpg")).containsIgnoringCase("corrupt");
            assertThat(ledgerReasons.get("cut.mp4")).containsAnyOf("corrupt", "truncated");
            ledgerReasons.forEach((name, reason) -> assertThat(reasonByName.get(name))
                    .as("the reason file says what the ledger says").isEqualTo(("reason: " + reason).lines().findFirst().orElseThrow()));
            assertThat(query(db, "select 1 from file_events where entity = 'media_file' and to_state = 'archived'")).hasSize(7);
        }

        // second run: nothing new, nothing moved, exit 0
        int rc2 = pipeline.once();
        assertThat(rc2).isEqualTo(Application.EXIT_OK);
        Map<String, String> archivedAgain = files(sorted).stream().collect(Collectors.toMap(
                p -> sorted.relativize(p).toString(), PipelineHome::sha));
        assertThat(archivedAgain).isEqualTo(expected);
        assertThat(latestReport().get("files")).isEmpty();
        assertThat(FolderState.of(lib)).as("the source folder is still unchanged").isEqualTo(sourceBefore);
        try (Database db = pipeline.openLedger()) {
            assertThat(query(db, "select 1 from media_files")).hasSize(7);
            assertThat(query(db, "select 1 from source_files")).hasSize(inputs);
            assertThat(query(db, "select 1 from duplicate_files where kind = 'exact'")).hasSize(1);
            // every input is remembered by the folder consumer (its finished row, read once at start), so later
            // scans do not even offer them to ingest: no row was looked at again
            assertThat(query(db, "select 1 from source_files where attempts > 0")).isEmpty();
        }
    }

    @Test
    void fileStillBeingWrittenIsTakenOnlyWhenComplete() throws Exception {
        byte[] whole = Tools.datedJpeg(tmp, "big.jpg", "2022:02:02 12:00:00");
        Path target = lib.resolve("slow.jpg");
        Thread writer = Tools.slowWriter(target, whole, 8, 600, () -> { });
        writer.start();
        int rc = pipeline.once();
        writer.join();
        assertThat(rc).isEqualTo(Application.EXIT_OK);
        List<Path> archived = files(pipeline.sorted());
        assertThat(archived).hasSize(1);
        assertThat(sha(archived.get(0))).isEqualTo(sha(tmp.resolve("big.jpg")));
        assertThat(files(pipeline.home().resolve("quarantine"))).isEmpty();
    }

    @Test
    void wrongExtensionQuarantineSetsALyingFileAsideWithItsReason() throws Exception {
        pipeline.set("pipeline.ingest.wrong-extension", "quarantine");
        Tools.photos(lib, "p", 2, "2020:02:29 08:00:00");
        Path liar = lib.resolve("misnamed.png"); // a JPEG named .png
        Files.move(lib.resolve("p0002.jpg"), liar);

        int rc = pipeline.once();
        assertThat(rc).as("exit code: done with some files quarantined").isEqualTo(Application.EXIT_QUARANTINED);

        assertThat(files(pipeline.sorted())).as("only the honest photo is archived").singleElement()
                .satisfies(p -> assertThat(p).endsWith(Path.of("photos/2020/02/29/p0001.jpg")));
        List<Path> quarantined = files(pipeline.home().resolve("quarantine"));
        assertThat(quarantined).extracting(p -> p.getFileName().toString())
                .containsExactlyInAnyOrder("misnamed.png", "misnamed.png.reason.txt");
        Path copy = quarantined.stream().filter(p -> p.getFileName().toString().equals("misnamed.png")).findFirst().orElseThrow();
        assertThat(sha(copy)).isEqualTo(sha(liar));
        Path reason = quarantined.stream().filter(p -> p.toString().endsWith(".reason.txt")).findFirst().orElseThrow();
        assertThat(Files.readString(reason)).contains("reason: wrong extension: named .png but the content is JPEG");
        try (Database db = pipeline.openLedger()) {
            assertThat(query(db, "select reason from source_files where disposition = 'quarantined'")).singleElement()
                    .satisfies(r -> assertThat((String) r.get("reason")).startsWith("wrong extension"));
            assertThat(query(db, "select 1 from media_files")).as("no media row for the liar").hasSize(1);
        }
    }

    private JsonNode latestReport() throws Exception {
        Path newest = files(pipeline.home().resolve("reports")).stream()
                .max(java.util.Comparator.comparing(p -> {
                    String n = p.getFileName().toString();
                    return Long.parseLong(n.substring(n.lastIndexOf('-') + 1, n.length() - 5));
                })).orElseThrow();
        return new ObjectMapper().readTree(newest.toFile());
    }
}
