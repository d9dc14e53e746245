package io.mediapipeline.similar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.ExifTool;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaProbe;
import io.mediapipeline.report.RunOutcome;
import io.mediapipeline.report.RunReport;
import io.mediapipeline.support.FilePagesApp;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Near-duplicates on a real ledger with media made by ffmpeg, cjpeg and exiftool, read by the real probe as ingest
 * reads them: a resized, an upscaled, a re-encoded, a rotated, a WebP and a HEIC copy of a photo and a re-encoded copy
 * of a clip are recorded as near-duplicates of their originals with their distances, an unrelated picture is not, the
 * camera original is the keep suggestion with its reason (also over its upscaled copy), and nothing is moved; a second
 * run adds nothing; a file committed by another node is found; the run report and the dashboard's Similar page show the
 * groups; a file registered before hashes were made gets one from the backfill, and so does a hashed file whose pairs
 * were never recorded (a crash before recordNear); a pair is recorded also when the original has an exact duplicate
 * that was at the near file's path.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NearDuplicatesTest {

    private static final String METADATA = "richer metadata (capture date, camera make/model against none)";
    private static final String TOKEN = "near-test-token-0123456789abcdef0123456789";

    private Path dir;
    private PipelineHome pipeline;
    private int port;
    private Main main;
    private long run;
    private Path original;
    private Path reencoded;
    private Path resized;
    private Path upscaled;
    private UUID up;
    private Path rotated;
    private Path clip;
    private Path heic;
    private UUID hc;
    private Path webp;
    private UUID wp;
    private Path clipCopy;
    private UUID o;
    private UUID re;
    private UUID rs;
    private UUID rot;
    private UUID un;
    private UUID v;
    private UUID vc;
    private UUID ov;
    private List<UUID> all;
    private Database db;
    private Ledger ledger;
    private ExifTool exif;
    private MediaProbe probe;

    @BeforeAll
    void open(@TempDir Path tmp) throws Exception {
        dir = tmp;
        pipeline = new PipelineHome(tmp.resolve("p"));
        port = pipeline.management(TOKEN);
        db = pipeline.openLedger();
        ledger = new Ledger(db.dataSource());
        exif = new ExifTool();
        probe = new MediaProbe(exif, "ffprobe", "ffmpeg", ZoneId.of("UTC"));
        run = ledger.openRun("once", "test");
        makeMedia();
        NearDuplicates near = near();
        o = register(near, original);
        re = register(near, reencoded);
        rs = register(near, resized);
        up = register(near, upscaled);
        rot = register(near, rotated);
        hc = register(near, heic);
        wp = register(near, webp);
        un = register(near, dir.resolve("unrelated.jpg"));
        v = register(near, clip);
        vc = register(near, clipCopy);
        ov = register(near, dir.resolve("other.mp4"));
        all = List.of(o, re, rs, up, rot, hc, wp, un, v, vc, ov);
        near.recordNear(all);
    }

    /** A 320x240 picture at quality 95 with a camera's date and model (copies lose those tags), its copies, a clip. */
    private void makeMedia() {
        tool("orig.ppm", "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "mandelbrot=size=320x240", "-frames:v", "1", "orig.ppm");
        original = tool("original.jpg", "cjpeg", "-quality", "95", "-outfile", "original.jpg", "orig.ppm");
        Tools.run(dir, "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2021:06:01 10:00:00",
                "-Make=Canon", "-Model=EOS 80D", "original.jpg");
        reencoded = tool("reencoded.jpg", "cjpeg", "-quality", "40", "-outfile", "reencoded.jpg", "orig.ppm");
        resized = tool("resized.jpg", "ffmpeg", "-v", "error", "-i", "orig.ppm", "-vf", "scale=160:120",
                "-q:v", "3", "resized.jpg");
        // more pixels than the original, and none of its tags: an export or an upscaled re-encode
        upscaled = tool("upscaled.jpg", "ffmpeg", "-v", "error", "-i", "orig.ppm", "-vf", "scale=640:480",
                "-q:v", "2", "upscaled.jpg");
        // stored sideways, shown upright through its orientation tag (6: turn 90 degrees clockwise)
        rotated = tool("rotated.jpg", "ffmpeg", "-v", "error", "-i", "orig.ppm", "-vf", "transpose=2",
                "-q:v", "3", "rotated.jpg");
        Tools.run(dir, "exiftool", "-q", "-overwrite_original", "-Orientation#=6", "rotated.jpg");
        // WebP: the JDK cannot read it, ffmpeg does
        webp = tool("copy.webp", "ffmpeg", "-v", "error", "-i", "orig.ppm", "-c:v", "libwebp", "-quality", "60", "copy.webp");
        // HEIC: ffmpeg 5.1 cannot decode it, heif-convert does
        heic = tool("copy.heic", "heif-enc", "-q", "50", "-o", "copy.heic", "reencoded.jpg");
        tool("unrelated.jpg", "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240",
                "-frames:v", "1", "-q:v", "3", "unrelated.jpg");
        clip = tool("clip.mp4", "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "mandelbrot=size=160x120:rate=10",
                "-t", "2", "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", "clip.mp4");
        clipCopy = tool("clip-crf36.mp4", "ffmpeg", "-v", "error", "-i", "clip.mp4", "-c:v", "libx264",
                "-crf", "36", "clip-crf36.mp4");
        tool("other.mp4", "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10",
                "-t", "2", "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", "other.mp4");
    }

    @AfterAll
    void close() throws Exception {
        if (main != null) {
            main.stop();
        }
        if (exif != null) {
            exif.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private NearDuplicates near() {
        return new NearDuplicates(db.dataSource(), pipeline.settings());
    }

    /** The file registered as ingest does (claim, then its hash and original path), as a new original. */
    private UUID register(NearDuplicates near, Path file) throws Exception {
        MediaInfo info = probe.inspect(file, null);
        Long hash = near.fingerprint(file, info);
        assertThat(hash).as("hash of " + file.getFileName()).isNotNull();
        UUID id = ledger.claim(PipelineHome.sha(file), Files.size(file), info, "folder", file.getFileName().toString(),
                file.toString()).mediaId();
        ledger.rows("update media_files set perceptual_hash = ?, original_path = ? where id = ? returning id",
                hash, file.toString(), id);
        return id;
    }

    private Path tool(String name, String... cmd) {
        Tools.run(dir, cmd);
        return dir.resolve(name);
    }

    private List<Map<String, Object>> nearRows() {
        return ledger.rows("""
                select d.original_file_id, d.near_file_id, d.distance, bit_count((a.perceptual_hash # b.perceptual_hash)::bit(64))::int as real
                  from duplicate_files d join media_files a on a.id = d.original_file_id
                  join media_files b on b.id = d.near_file_id where d.kind = 'near'""");
    }

    private Map<String, Object> pair(UUID x, UUID y) {
        return nearRows().stream().filter(r -> List.of(x, y).contains(r.get("original_file_id"))
                && List.of(x, y).contains(r.get("near_file_id"))).findFirst().orElse(null);
    }

    @Test
    @Order(1)
    void copiesOfAPhotoAndAClipAreNearDuplicatesOfTheirOriginalsWithTheirDistances() {
        for (UUID copy : List.of(re, rs, up, rot, hc, wp)) {
            Map<String, Object> p = pair(o, copy);
            assertThat(p).as("near pair of the original and " + copy).isNotNull();
            assertThat(p.get("distance")).isEqualTo(p.get("real"));
            assertThat((Integer) p.get("distance")).isLessThanOrEqualTo(6);
        }
        Map<String, Object> clips = pair(v, vc);
        assertThat(clips).as("the re-encoded clip").isNotNull();
        assertThat(clips.get("distance")).isEqualTo(clips.get("real"));
        assertThat(ledger.rows("select count(*) as n from duplicate_files where kind = 'near' and original_file_id = near_file_id"))
                .extracting(r -> r.get("n")).containsExactly(0L);
        assertThat(nearRows()).as("the unrelated picture and clip").noneMatch(r -> List.of(un, ov).contains(r.get("original_file_id"))
                || List.of(un, ov).contains(r.get("near_file_id")));
        assertThat(PipelineHome.files(pipeline.home().resolve("state/near-tmp"))).as("HEIC temp files removed").isEmpty();
        // nothing moved: every file is where it was
        for (Path f : List.of(original, reencoded, resized, rotated, clip, clipCopy)) {
            assertThat(f).isRegularFile();
        }
    }

    @Test
    @Order(2)
    void theOriginalIsTheKeepSuggestionWithItsReason() {
        Map<UUID, Map<String, Object>> groups = new HashMap<>();
        for (Map<String, Object> g : ledger.rows("select media_file_id, keeper_id, keep, reason from near_groups")) {
            groups.put((UUID) g.get("media_file_id"), g);
        }
        assertThat(groups.keySet()).containsExactlyInAnyOrder(o, re, rs, up, rot, hc, wp, v, vc);
        assertThat(groups.get(o).get("keep")).isEqualTo(true);
        assertThat(groups.get(o).get("reason")).isEqualTo(
                "keep: " + METADATA);
        assertThat(groups.get(rs).get("keeper_id")).isEqualTo(o);
        assertThat(groups.get(rs).get("keep")).isEqualTo(false);
        assertThat(groups.get(rs).get("reason")).isEqualTo(
                "not suggested, the kept file wins on " + METADATA);
        assertThat(groups.get(up).get("keeper_id")).as("the camera original over its upscaled copy").isEqualTo(o);
        assertThat(groups.get(up).get("keep")).isEqualTo(false);
        assertThat(groups.get(up).get("reason")).isEqualTo("not suggested, the kept file wins on " + METADATA);
        assertThat(groups.get(vc).get("keeper_id")).isEqualTo(v);
        assertThat((String) groups.get(v).get("reason")).startsWith("keep: higher bitrate (");
    }

    @Test
    @Order(3)
    void aSecondRunAddsNothing() {
        int rows = nearRows().size();
        List<Map<String, Object>> before = ledger.rows("select * from near_groups order by media_file_id");
        near().recordNear(all);
        near().recordNear(all);
        assertThat(nearRows()).hasSize(rows);
        assertThat(ledger.rows("select * from near_groups order by media_file_id")).isEqualTo(before);
    }

    @Test
    @Order(4)
    void theRunReportAndTheDashboardShowTheGroups() throws Exception {
        RunReport.Summary summary = new RunReport(ledger, pipeline.home()).write(run);
        assertThat(summary.nearGroups()).isEqualTo(2);
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.PrintStream console = System.out;
        System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            RunOutcome.finish(summary);
        } finally {
            System.setOut(console);
        }
        assertThat(printed.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("Near-duplicates: 2 group(s) with a keep suggestion, for review");
        JsonNode near = new ObjectMapper().readTree(summary.file().toFile()).path("nearDuplicates");
        assertThat(near.path("groups").asInt()).isEqualTo(2);
        JsonNode kept = null;
        for (JsonNode f : near.path("files")) {
            if (f.path("id").asText().equals(o.toString())) {
                kept = f;
            }
        }
        assertThat(kept).isNotNull();
        assertThat(kept.path("file").asText()).isEqualTo(original.toString());
        assertThat(kept.path("keep").asBoolean()).isTrue();
        assertThat(kept.path("distance").asInt()).isZero();
        assertThat(near.path("files")).hasSize(9);

        startDashboard();
        HttpResponse<String> page = get("/similar");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("2 group(s)", "original.jpg", "resized.jpg", "clip-crf36.mp4",
                "href=\"/files/" + o + "\"", "/files/" + rs + "/thumb",
                METADATA, "<strong>keep</strong>").doesNotContain("unrelated.jpg");
        HttpResponse<String> journey = get("/files/" + rs);
        assertThat(journey.statusCode()).isEqualTo(200);
        assertThat(journey.body()).contains("Near-duplicates", "href=\"/files/" + o + "\"",
                "not suggested, the kept file wins on " + METADATA);
        HttpResponse<String> report = get("/reports/" + summary.file().getFileName());
        assertThat(report.statusCode()).isEqualTo(200);
        assertThat(report.body()).contains("Near duplicates", "richer metadata");
        assertThat(get("/similar", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
    }

    @Test
    @Order(5)
    void aFileCommittedByAnotherNodeIsFound() throws Exception {
        NearDuplicates near = near();
        near.recordNear(List.of(o)); // this node has read every hash by now
        Path secondCopy = tool("second.jpg", "cjpeg", "-quality", "60", "-outfile", "second.jpg", "orig.ppm");
        Path thirdCopy = tool("third.jpg", "cjpeg", "-quality", "75", "-outfile", "third.jpg", "orig.ppm");
        UUID byOther = register(near(), secondCopy);
        UUID mine = register(near, thirdCopy);
        near.recordNear(List.of(mine));
        assertThat(pair(byOther, mine)).as("the other node's file").isNotNull();
        assertThat(ledger.rows("select keeper_id from near_groups where media_file_id = ?", byOther))
                .extracting(r -> r.get("keeper_id")).containsExactly(o);
    }

    @Test
    @Order(6)
    void aFileRegisteredBeforeHashesGetsOneAndItsPairsFromTheBackfill() throws Exception {
        Path older = tool("older.jpg", "cjpeg", "-quality", "50", "-outfile", "older.jpg", "orig.ppm");
        MediaInfo info = probe.inspect(older, null);
        UUID id = ledger.claim(PipelineHome.sha(older), Files.size(older), info, "folder", "older.jpg", older.toString())
                .mediaId();
        ledger.rows("update media_files set status = 'ingested', original_path = ? where id = ? returning id",
                older.toString(), id);
        NearDuplicates near = near();

        assertThat(near.backfillFor(Duration.ofSeconds(60))).isEqualTo(1);

        assertThat(ledger.rows("select perceptual_hash from media_files where id = ?", id).get(0).get("perceptual_hash"))
                .isEqualTo(near.fingerprint(older, info));
        assertThat(pair(o, id)).as("the backfilled file's pair with the original").isNotNull();
        assertThat(near.backfillFor(Duration.ofSeconds(60))).as("nothing left").isZero();
    }

    @Test
    @Order(7)
    void aHashedFileWhosePairsWereNeverRecordedGetsThemFromTheBackfill() throws Exception {
        Path crashed = tool("crashed.jpg", "cjpeg", "-quality", "55", "-outfile", "crashed.jpg", "orig.ppm");
        // its row committed with its hash, then the process stopped before recordNear
        UUID id = register(near(), crashed);
        ledger.rows("update media_files set status = 'ingested' where id = ? returning id", id);
        assertThat(pair(o, id)).isNull();
        NearDuplicates near = near();

        assertThat(near.backfillFor(Duration.ofSeconds(60))).isEqualTo(1);

        assertThat(pair(o, id)).as("the crashed file's pair with the original").isNotNull();
        assertThat(ledger.rows("select keeper_id from near_groups where media_file_id = ?", id))
                .extracting(r -> r.get("keeper_id")).containsExactly(o);
        assertThat(near.backfillFor(Duration.ofSeconds(60))).as("nothing left").isZero();
        assertThat(near().backfillFor(Duration.ofSeconds(60))).as("nothing left for a new process either").isZero();
    }

    @Test
    @Order(8)
    void aNearPairIsRecordedAlsoWhereTheOriginalHadAnExactDuplicateAtThatPath() throws Exception {
        Path edited = dir.resolve("edited.jpg");
        // this path held an exact copy of the original once (recorded as its duplicate); now an edited version is there
        ledger.rows("""
                insert into duplicate_files (original_file_id, duplicate_path, kind) values (?, ?, 'exact')
                returning id""", o, edited.toString());
        tool("edited.jpg", "cjpeg", "-quality", "65", "-outfile", "edited.jpg", "orig.ppm");
        NearDuplicates near = near();
        UUID id = register(near, edited);

        near.recordNear(List.of(id));

        assertThat(pair(o, id)).as("the pair of the original and the edited file").isNotNull();
        assertThat(ledger.rows("""
                select duplicate_path from duplicate_files
                 where kind = 'near' and original_file_id = ? and near_file_id = ?""",
                o, id)).extracting(r -> r.get("duplicate_path")).containsExactly("near:" + id);
        assertThat(ledger.rows("select count(*) as n from duplicate_files where kind = 'exact' and original_file_id = ?",
                o))
                .extracting(r -> r.get("n")).containsExactly(1L);
    }

    @Test
    @Order(9)
    void aHashedFileLeftUncheckedByAStopIsCheckedAtStartEvenOnceCleaned() throws Exception {
        Path crashed = tool("killed.jpg", "cjpeg", "-quality", "45", "-outfile", "killed.jpg", "orig.ppm");
        // its row committed with its hash, the run was killed before recordNear, and a later run cleaned the file
        UUID id = register(near(), crashed);
        for (String status : List.of("ingested", "archived", "verified", "cleaned")) {
            ledger.rows("update media_files set status = ? where id = ? returning id", status, id);
        }
        assertThat(near().backfillFor(Duration.ofSeconds(60))).as("the backfill passes over a cleaned file").isZero();
        assertThat(pair(o, id)).isNull();

        assertThat(near().recoverUnchecked()).isEqualTo(1);

        assertThat(pair(o, id)).as("the killed run's file paired with the original").isNotNull();
        assertThat(near().recoverUnchecked()).as("nothing left at the next start").isZero();
    }

    private void startDashboard() throws Exception {
        main = FilePagesApp.start("near-test", pipeline.settings(), ledger,
                new Handoff(pipeline.home().resolve("work"), List.of("organize")));
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + TOKEN);
        if (headers.length > 0) {
            b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20))
                    .headers(headers);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
