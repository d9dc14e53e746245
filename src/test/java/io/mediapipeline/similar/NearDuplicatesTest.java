package io.mediapipeline.similar;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.ExifTool;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaProbe;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Near-duplicates on a real ledger with media made by ffmpeg, cjpeg and exiftool, read by the real probe as ingest
 * reads them: a resized, a re-encoded and a rotated copy of a photo and a re-encoded copy of a clip are recorded as
 * near-duplicates of their originals with their distances, an unrelated picture is not, the original is the keep
 * suggestion with its reason, and nothing is moved; a second run adds nothing; a file committed by another node is
 * found.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NearDuplicatesTest {

    private Path dir;
    private PipelineHome pipeline;
    private Database db;
    private Ledger ledger;
    private ExifTool exif;
    private MediaProbe probe;

    @BeforeAll
    void open(@TempDir Path tmp) {
        dir = tmp;
        pipeline = new PipelineHome(tmp.resolve("p"));
        db = pipeline.openLedger();
        ledger = new Ledger(db.dataSource());
        exif = new ExifTool();
        probe = new MediaProbe(exif, "ffprobe", "ffmpeg", ZoneId.of("UTC"));
    }

    @AfterAll
    void close() {
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
    void copiesOfAPhotoAndAClipAreNearDuplicatesOfTheirOriginalsAndTheOriginalIsKept() throws Exception {
        // the original: a 320x240 picture at quality 95 with a camera's date and model; copies lose those tags
        tool("orig.ppm", "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "mandelbrot=size=320x240", "-frames:v", "1", "orig.ppm");
        Path original = tool("original.jpg", "cjpeg", "-quality", "95", "-outfile", "original.jpg", "orig.ppm");
        Tools.run(dir, "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2021:06:01 10:00:00",
                "-Make=Canon", "-Model=EOS 80D", "original.jpg");
        Path reencoded = tool("reencoded.jpg", "cjpeg", "-quality", "40", "-outfile", "reencoded.jpg", "orig.ppm");
        Path resized = tool("resized.jpg", "ffmpeg", "-v", "error", "-i", "orig.ppm", "-vf", "scale=160:120",
                "-q:v", "3", "resized.jpg");
        // stored sideways, shown upright through its orientation tag (6: turn 90 degrees clockwise)
        Path rotated = tool("rotated.jpg", "ffmpeg", "-v", "error", "-i", "orig.ppm", "-vf", "transpose=2",
                "-q:v", "3", "rotated.jpg");
        Tools.run(dir, "exiftool", "-q", "-overwrite_original", "-Orientation#=6", "rotated.jpg");
        Path unrelated = tool("unrelated.jpg", "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240",
                "-frames:v", "1", "-q:v", "3", "unrelated.jpg");
        Path clip = tool("clip.mp4", "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "mandelbrot=size=160x120:rate=10",
                "-t", "2", "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", "clip.mp4");
        Path clipCopy = tool("clip-crf36.mp4", "ffmpeg", "-v", "error", "-i", "clip.mp4", "-c:v", "libx264",
                "-crf", "36", "clip-crf36.mp4");
        Path otherClip = tool("other.mp4", "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10",
                "-t", "2", "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", "other.mp4");

        NearDuplicates near = near();
        UUID o = register(near, original);
        UUID re = register(near, reencoded);
        UUID rs = register(near, resized);
        UUID rot = register(near, rotated);
        UUID un = register(near, unrelated);
        UUID v = register(near, clip);
        UUID vc = register(near, clipCopy);
        UUID ov = register(near, otherClip);
        List<UUID> all = List.of(o, re, rs, rot, un, v, vc, ov);
        near.recordNear(all);

        for (UUID copy : List.of(re, rs, rot)) {
            Map<String, Object> p = pair(o, copy);
            assertThat(p).as("near pair of the original and " + copy).isNotNull();
            assertThat(p.get("distance")).isEqualTo(p.get("real"));
            assertThat((Integer) p.get("distance")).isLessThanOrEqualTo(6);
        }
        Map<String, Object> clips = pair(v, vc);
        assertThat(clips).as("the re-encoded clip").isNotNull();
        assertThat(clips.get("distance")).isEqualTo(clips.get("real"));
        assertThat(nearRows()).noneMatch(r -> List.of(un, ov).contains(r.get("original_file_id"))
                || List.of(un, ov).contains(r.get("near_file_id")));
        System.out.println("near distances: " + nearRows());

        Map<UUID, Map<String, Object>> groups = new java.util.HashMap<>();
        for (Map<String, Object> g : ledger.rows("select media_file_id, keeper_id, keep, reason from near_groups")) {
            groups.put((UUID) g.get("media_file_id"), g);
        }
        assertThat(groups.keySet()).containsExactlyInAnyOrder(o, re, rs, rot, v, vc);
        assertThat(groups.get(o).get("keep")).isEqualTo(true);
        assertThat(groups.get(o).get("reason")).isEqualTo(
                "keep: richer metadata (capture date, camera make/model against none)");
        assertThat(groups.get(rs).get("keeper_id")).isEqualTo(o);
        assertThat(groups.get(rs).get("reason")).isEqualTo(
                "not suggested, the kept file wins on larger picture (320x240 against 160x120)");
        assertThat(groups.get(vc).get("keeper_id")).isEqualTo(v);
        assertThat((String) groups.get(v).get("reason")).startsWith("keep: higher bitrate (");
        // nothing moved: every file is where it was
        for (Path f : List.of(original, reencoded, resized, rotated, clip, clipCopy)) {
            assertThat(f).isRegularFile();
        }

        // a second run (a crash between commit and recordNear, a rerun) adds nothing
        int rows = nearRows().size();
        List<Map<String, Object>> before = ledger.rows("select * from near_groups order by media_file_id");
        near().recordNear(all);
        near.recordNear(all);
        assertThat(nearRows()).hasSize(rows);
        assertThat(ledger.rows("select * from near_groups order by media_file_id")).isEqualTo(before);

        // a copy registered by another node (not through this instance) is found from this one's next batch
        Path secondCopy = tool("second.jpg", "cjpeg", "-quality", "60", "-outfile", "second.jpg", "orig.ppm");
        Path thirdCopy = tool("third.jpg", "cjpeg", "-quality", "75", "-outfile", "third.jpg", "orig.ppm");
        UUID byOther = register(near(), secondCopy);
        UUID mine = register(near, thirdCopy);
        near.recordNear(List.of(mine));
        assertThat(pair(byOther, mine)).as("the other node's file").isNotNull();
        assertThat(ledger.rows("select keeper_id from near_groups where media_file_id = ?", byOther))
                .extracting(r -> r.get("keeper_id")).containsExactly(o);
    }
}
