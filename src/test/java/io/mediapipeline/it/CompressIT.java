package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static io.mediapipeline.support.PipelineHome.sha;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.Application;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.media.ExifTool;
import io.mediapipeline.support.LogCapture;
import io.mediapipeline.support.AppProcess;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compress stage end to end on the real app (routes/30-compress), real ffmpeg/exiftool and a real ledger:
 * age tiers, portrait and rotation, metadata kept, efficient HEVC skipped, JPEG orientation + GPS kept, HEIC
 * untouched, a copy that fails the gate discarded, a file that ages into a new tier re-encoded from the original,
 * and a killed encode that leaves nothing finished-looking and is redone on restart.
 */
class CompressIT {

    private static final DateTimeFormatter EXIF = DateTimeFormatter.ofPattern("yyyy:MM:dd HH:mm:ss");

    @TempDir
    Path tmp;

    private static String monthsAgo(int months) {
        return LocalDateTime.now().minusMonths(months).withHour(12).format(EXIF);
    }

    /** A high-bitrate H.264 clip with Apple keys (GPS, make, model, Live Photo id), a QuickTime date and a rotation. */
    static void clip(Path dir, String name, int w, int h, double seconds, String date, int rotation) {
        clip(dir, name, "testsrc2=", w, h, seconds, date, rotation);
    }

    /** @param source an ffmpeg lavfi source and its options so far, e.g. "testsrc2=" or "life=ratio=0.1:" */
    static void clip(Path dir, String name, String source, int w, int h, double seconds, String date, int rotation) {
        Tools.run(dir, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", source + "size=" + w + "x" + h + ":rate=10",
                "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000", "-t", String.valueOf(seconds),
                "-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "192k",
                "-metadata", "com.apple.quicktime.location.ISO6709=+48.1000+011.5000/",
                "-metadata", "com.apple.quicktime.make=Apple", "-metadata", "com.apple.quicktime.model=iPhone 12",
                "-metadata", "com.apple.quicktime.content.identifier=LIVE-" + name,
                "-movflags", "use_metadata_tags", "-f", "mov", name);
        Tools.run(dir, "exiftool", "-q", "-overwrite_original", "-QuickTime:CreateDate=" + date, "-Rotation=" + rotation, name);
    }

    static int[] size(Path file) {
        String out = Tools.run(file.getParent(), "ffprobe", "-v", "error", "-select_streams", "v:0",
                "-show_entries", "stream=width,height", "-of", "csv=p=0", file.toString()).strip();
        String[] p = out.split(",");
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }

    static String codec(Path file) {
        return Tools.run(file.getParent(), "ffprobe", "-v", "error", "-select_streams", "v:0",
                "-show_entries", "stream=codec_name,codec_tag_string", "-of", "csv=p=0", file.toString()).strip();
    }

    static Map<String, Map<String, Object>> rowsByName(Database db) {
        Map<String, Map<String, Object>> out = new HashMap<>();
        for (Map<String, Object> r : query(db, """
                select original_name, original_path, compressed_path, compress_decision, compress_reason, compress_tier,
                       compressions, codec, ssim, original_size, compressed_size, space_saved, compression_ratio,
                       compress_crf, compress_attempts, compress_failures, compressed_sha256
                  from media_files""")) {
            out.put((String) r.get("original_name"), r);
        }
        return out;
    }

    @Test
    void tiersPortraitMetadataSkipsAndGate() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp)
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.compress.video.preset", "ultrafast")
                .set("pipeline.compress.parallelism", "2")
                .set("pipeline.timezone", "UTC");
        Path lib = pipeline.library();
        // portrait: stored 1280x720 with rotation 90, 3.5 years old -> the 480p tier
        clip(lib, "portrait.mov", 1280, 720, 1, monthsAgo(42), 90);
        // 4K, recent: capped at 2160p (no upscale, no downscale below the tier)
        Tools.run(lib, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=3840x2160:rate=10", "-frames:v", "3",
                "-c:v", "libx264", "-preset", "ultrafast", "-crf", "14", "-pix_fmt", "yuv420p", "uhd.mp4");
        Tools.run(lib, "exiftool", "-q", "-overwrite_original", "-QuickTime:CreateDate=" + monthsAgo(2), "uhd.mp4");
        // landscape 1280x720, half a year old: 720p kept; aged later to 3.5 years -> re-encoded at 480p
        clip(lib, "landscape.mov", 1280, 720, 1, monthsAgo(6), 0);
        // already-small HEVC
        Tools.run(lib, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10", "-t", "2",
                "-c:v", "libx265", "-preset", "ultrafast", "-b:v", "40k", "-x265-params", "log-level=error", "-tag:v", "hvc1", "small.mp4");
        // JPEG, high quality, orientation 6 + GPS + camera
        Tools.run(lib, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x480", "-frames:v", "1", "-q:v", "1", "turned.jpg");
        Tools.run(lib, "exiftool", "-q", "-overwrite_original", "-n", "-Orientation=6", "-DateTimeOriginal=2021:06:01 10:00:00",
                "-GPSLatitude=48.1", "-GPSLatitudeRef=N", "-GPSLongitude=11.5", "-GPSLongitudeRef=E", "-Make=Apple", "-Model=iPhone 12", "turned.jpg");
        // JPEG already heavily compressed: recompressing at quality 85 cannot make it 10% smaller -> gate refuses
        Tools.run(lib, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", "-q:v", "31", "tiny.jpg");
        Tools.run(lib, "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2020:01:01 10:00:00", "tiny.jpg");
        // HEIC
        Tools.run(lib, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", tmp.resolve("h.png").toString());
        Tools.run(lib, "heif-enc", "-q", "60", "-o", "photo.heic", tmp.resolve("h.png").toString());
        // PNG passes through
        Files.copy(tmp.resolve("h.png"), lib.resolve("drawing.png"));

        assertThat(pipeline.once()).isEqualTo(0);

        Path home = pipeline.home();
        Path compressedDir = home.resolve("compressed");
        try (Database db = pipeline.openLedger(); ExifTool exif = new ExifTool()) {
            Map<String, Map<String, Object>> rows = rowsByName(db);
            assertThat(rows).hasSize(8);
            rows.forEach((name, r) -> {
                assertThat(r.get("compress_decision")).as(name + ": " + r.get("compress_reason")).isNotNull();
                assertThat(Path.of((String) r.get("compressed_path"))).as(name).startsWith(compressedDir).isRegularFile();
                // what verify compares the copy with later
                assertThat(r.get("compressed_sha256")).as(name).isEqualTo(sha(Path.of((String) r.get("compressed_path"))));
            });

            // portrait: 480p tier, still portrait (rotation kept), date, GPS, make/model and Live Photo id intact
            Map<String, Object> portrait = rows.get("portrait.mov");
            assertThat(portrait.get("compress_decision")).as((String) portrait.get("compress_reason")).isEqualTo("compressed");
            assertThat(((Number) portrait.get("compress_tier")).intValue()).isEqualTo(480);
            assertThat(((Number) portrait.get("compressions")).intValue()).isEqualTo(1);
            assertThat(portrait.get("codec")).isEqualTo("hevc (libx265)");
            assertThat(((Number) portrait.get("compress_crf")).intValue()).as("the first rung passed").isEqualTo(28);
            assertThat(((Number) portrait.get("compress_attempts")).intValue()).isEqualTo(1);
            assertThat(((Number) portrait.get("ssim")).doubleValue()).isGreaterThanOrEqualTo(0.95);
            assertThat(((Number) portrait.get("space_saved")).longValue()).isPositive();
            Path p = Path.of((String) portrait.get("compressed_path"));
            assertThat(p.getFileName().toString()).endsWith(".mov");
            assertThat(size(p)).containsExactly(854, 480);
            assertThat(codec(p)).startsWith("hevc,hvc1");
            Map<String, Object> tags = exif.read(p);
            assertThat(((Number) tags.get("Composite:Rotation")).intValue()).isEqualTo(90);
            Map<String, Object> origTags = exif.read(Path.of((String) portrait.get("original_path")));
            assertThat(tags.get("QuickTime:CreateDate")).isEqualTo(origTags.get("QuickTime:CreateDate"));
            assertThat(((Number) tags.get("Composite:GPSLatitude")).doubleValue()).isEqualTo(48.1);
            assertThat(((Number) tags.get("Composite:GPSLongitude")).doubleValue()).isEqualTo(11.5);
            assertThat(tags.get("Keys:Make")).isEqualTo("Apple");
            assertThat(tags.get("Keys:Model")).isEqualTo("iPhone 12");
            assertThat(tags.get("Keys:ContentIdentifier")).isEqualTo("LIVE-portrait.mov");
            // compressed/ mirrors originals/
            Path orig = Path.of((String) portrait.get("original_path"));
            assertThat(home.resolve("originals").relativize(orig.getParent()))
                    .isEqualTo(compressedDir.relativize(p.getParent()));

            // 4K: capped at 2160p, not upscaled, not downscaled below its tier
            Map<String, Object> uhd = rows.get("uhd.mp4");
            assertThat(uhd.get("compress_decision")).as((String) uhd.get("compress_reason")).isEqualTo("compressed");
            assertThat(((Number) uhd.get("compress_tier")).intValue()).isEqualTo(2160);
            assertThat(size(Path.of((String) uhd.get("compressed_path")))).containsExactly(3840, 2160);

            Map<String, Object> landscape = rows.get("landscape.mov");
            assertThat(landscape.get("compress_decision")).as((String) landscape.get("compress_reason")).isEqualTo("compressed");
            assertThat(((Number) landscape.get("compress_tier")).intValue()).isEqualTo(720);

            Map<String, Object> small = rows.get("small.mp4");
            assertThat(small.get("compress_decision")).isEqualTo("skipped");
            assertThat((String) small.get("compress_reason")).startsWith("already efficient: HEVC at");
            assertThat(sha(Path.of((String) small.get("compressed_path")))).isEqualTo(sha(Path.of((String) small.get("original_path"))));

            Map<String, Object> turned = rows.get("turned.jpg");
            assertThat(turned.get("compress_decision")).as((String) turned.get("compress_reason")).isEqualTo("compressed");
            assertThat((String) turned.get("codec")).as("auto: ffmpeg then jpegtran")
                    .matches("mjpeg \\(ffmpeg\\) \\+ libjpeg-turbo \\d+\\.\\d+\\.\\d+ jpegtran");
            assertThat(((Number) turned.get("ssim")).doubleValue()).isGreaterThanOrEqualTo(0.97);
            Path tj = Path.of((String) turned.get("compressed_path"));
            assertThat(tj.getFileName().toString()).endsWith(".jpg");
            assertThat(Files.size(tj)).isLessThan(Files.size(Path.of((String) turned.get("original_path"))));
            Map<String, Object> jt = exif.read(tj);
            assertThat(((Number) jt.get("IFD0:Orientation")).intValue()).isEqualTo(6);
            assertThat(((Number) jt.get("Composite:GPSLatitude")).doubleValue()).isEqualTo(48.1);
            assertThat(((Number) jt.get("Composite:GPSLongitude")).doubleValue()).isEqualTo(11.5);
            assertThat(jt.get("ExifIFD:DateTimeOriginal")).isEqualTo("2021:06:01 10:00:00");
            assertThat(jt.get("File:FileType")).isEqualTo("JPEG");

            Map<String, Object> tiny = rows.get("tiny.jpg");
            assertThat(tiny.get("compress_decision")).isEqualTo("original");
            assertThat((String) tiny.get("compress_reason")).contains("smaller (needs 10%)");
            assertThat(sha(Path.of((String) tiny.get("compressed_path")))).isEqualTo(sha(Path.of((String) tiny.get("original_path"))));

            Map<String, Object> heic = rows.get("photo.heic");
            assertThat(heic.get("compress_decision")).isEqualTo("skipped");
            assertThat((String) heic.get("compressed_path")).endsWith(".heic");
            assertThat(exif.read(Path.of((String) heic.get("compressed_path"))).get("File:FileType")).isEqualTo("HEIC");

            assertThat(rows.get("drawing.png").get("compress_decision")).isEqualTo("skipped");

            // the landscape clip ages into the 480p tier: the next run re-encodes it from the original
            query(db, "update media_files set captured_at = now() - interval '42 months' where original_name = 'landscape.mov' returning id");
        }
        assertThat(files(home.resolve("work"))).as("no queue or scratch file left").isEmpty();
        Path firstLandscape;
        try (Database db = pipeline.openLedger()) {
            firstLandscape = Path.of((String) rowsByName(db).get("landscape.mov").get("compressed_path"));
        }
        int compressedFiles = files(home.resolve("compressed")).size();

        assertThat(pipeline.once()).isEqualTo(0);
        try (Database db = pipeline.openLedger()) {
            Map<String, Map<String, Object>> rows = rowsByName(db);
            Map<String, Object> landscape = rows.get("landscape.mov");
            assertThat(((Number) landscape.get("compress_tier")).intValue()).isEqualTo(480);
            assertThat(((Number) landscape.get("compressions")).intValue()).isEqualTo(2);
            Path now = Path.of((String) landscape.get("compressed_path"));
            assertThat(size(now)).containsExactly(854, 480);
            assertThat(now).as("the 480p copy replaced the 720p one under the same name").isEqualTo(firstLandscape);
            assertThat(files(home.resolve("compressed"))).as("nothing left beside it").hasSize(compressedFiles);
            // nothing else was redone
            assertThat(((Number) rows.get("portrait.mov").get("compressions")).intValue()).isEqualTo(1);
            assertThat(((Number) rows.get("turned.jpg").get("compressions")).intValue()).isEqualTo(1);
        }
    }

    /** A 320x240 TIFF of noise written by the JDK's ImageIO, which ffmpeg 5.1 refuses (ResolutionUnit tag). */
    private static Path imageIoTiff(Path file) throws Exception {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(320, 240,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(4);
        for (int y = 0; y < 240; y++) {
            for (int x = 0; x < 320; x++) {
                img.setRGB(x, y, random.nextInt());
            }
        }
        assertThat(javax.imageio.ImageIO.write(img, "tiff", file.toFile())).isTrue();
        return file;
    }

    @Test
    void cameraRawAndATiffFfmpegRefusesAreArchivedAndGoOutUnchanged() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp)
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.timezone", "UTC");
        Path lib = pipeline.library();
        Path scan = imageIoTiff(lib.resolve("scan.tif"));
        Path cr2 = imageIoTiff(lib.resolve("IMG_0001.CR2"));
        Tools.run(lib, "exiftool", "-q", "-overwrite_original", "-Make=Canon", "-Model=Canon EOS 5D Mark IV",
                "-DateTimeOriginal=2021:06:01 10:00:00", cr2.getFileName().toString());
        Path dng = imageIoTiff(lib.resolve("PXL_0002.dng"));
        Tools.run(lib, "exiftool", "-q", "-overwrite_original", "-Make=Google", "-Model=Pixel 7", "-DNGVersion=1.4.0.0",
                "-DateTimeOriginal=2022:06:01 10:00:00", dng.getFileName().toString());
        Map<String, String> shas = Map.of("scan.tif", sha(scan), "IMG_0001.CR2", sha(cr2), "PXL_0002.dng", sha(dng));

        assertThat(pipeline.once()).isEqualTo(0);

        try (Database db = pipeline.openLedger()) {
            Map<String, Map<String, Object>> rows = rowsByName(db);
            assertThat(rows).as("all three archived, none quarantined").containsOnlyKeys(shas.keySet());
            Map<String, Object> kinds = new HashMap<>();
            for (Map<String, Object> r : query(db, "select original_name, kind, format from media_files")) {
                kinds.put((String) r.get("original_name"), r.get("kind") + "/" + r.get("format"));
            }
            assertThat(kinds).containsEntry("scan.tif", "photo/tiff").containsEntry("IMG_0001.CR2", "photo/cr2")
                    .containsEntry("PXL_0002.dng", "photo/dng");
            rows.forEach((name, r) -> {
                assertThat(r.get("compress_decision")).as(name).isEqualTo("skipped");
                assertThat(sha(Path.of((String) r.get("original_path")))).as(name + " archived as is")
                        .isEqualTo(shas.get(name));
                assertThat(sha(Path.of((String) r.get("compressed_path")))).as(name + " goes out unchanged")
                        .isEqualTo(shas.get(name));
            });
            assertThat((String) rows.get("IMG_0001.CR2").get("compress_reason"))
                    .isEqualTo("camera RAW (cr2) kept as original: never transcoded");
            assertThat((String) rows.get("PXL_0002.dng").get("compress_reason")).startsWith("camera RAW (dng)");
            assertThat((String) rows.get("IMG_0001.CR2").get("original_path")).as("keeps its RAW extension")
                    .endsWith(".cr2");
        }
    }

    /** Starts the packaged app and returns once an encode is running (a new scratch file exists). */
    private static Process startAndWaitForEncode(Path config, Path log, Path scratch) throws Exception {
        List<Path> stale = files(scratch); // left by a killed run; the new one sweeps them at startup
        Process p = KillAndResumeIT.startApp(config, log);
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (files(scratch).isEmpty() || stale.containsAll(files(scratch))) {
            assertThat(p.isAlive()).as("app still running (log: " + log + ")").isTrue();
            assertThat(System.nanoTime()).as("encode started within 120 s").isLessThan(deadline);
            Thread.sleep(50);
        }
        assertThat(p.descendants()).anyMatch(h -> h.info().commandLine().orElse("").contains("libx265"));
        return p;
    }

    @Test
    void stoppedOrKilledEncodeLeavesNothingFinishedAndIsRedone() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp)
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.compress.video.preset", "slow")
                .set("pipeline.compress.parallelism", "1")
                .set("camel.main.shutdown-timeout", "2");
        clip(pipeline.library(), "long.mov", 1280, 720, 4, monthsAgo(2), 0);
        Path config = pipeline.config();
        Path scratch = pipeline.home().resolve("work/.compress-scratch");
        Path compressed = pipeline.home().resolve("compressed");

        // 1. SIGTERM to the JVM only (what systemd's KillMode=mixed does): graceful shutdown gives up after 2 s
        Process first = startAndWaitForEncode(config, tmp.resolve("first.log"), scratch);
        List<ProcessHandle> tree = new ArrayList<>(first.descendants().toList());
        first.destroy();
        assertThat(first.waitFor(60, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
        for (ProcessHandle h : tree) {
            h.onExit().get(15, TimeUnit.SECONDS); // ffmpeg dies with the JVM (pdeathsig)
        }
        assertThat(files(compressed)).as("no finished-looking output after SIGTERM").isEmpty();
        try (Database db = pipeline.openLedger()) {
            Map<String, Object> r = rowsByName(db).get("long.mov");
            assertThat(r.get("compress_decision")).as("a shutdown is not the file's fault: still undecided; "
                    + r.get("compress_reason")).isNull();
        }

        // 2. kill -9 in the middle of the redone encode
        Process second = startAndWaitForEncode(config, tmp.resolve("second.log"), scratch);
        KillAndResumeIT.killHard(second);
        assertThat(files(compressed)).as("no finished-looking output after kill -9").isEmpty();

        // 3. the next run does it
        Process third = KillAndResumeIT.startApp(config, tmp.resolve("third.log"));
        assertThat(third.waitFor(240, TimeUnit.SECONDS)).as("third run finished").isTrue();
        assertThat(third.exitValue()).as("exit; log:\n" + Files.readString(tmp.resolve("third.log"))).isEqualTo(0);
        assertThat(files(scratch)).as("scratch swept").isEmpty();
        try (Database db = pipeline.openLedger()) {
            Map<String, Object> r = rowsByName(db).get("long.mov");
            assertThat(r.get("compress_decision")).as((String) r.get("compress_reason")).isEqualTo("compressed");
            assertThat(((Number) r.get("compressions")).intValue()).isEqualTo(1);
            assertThat(files(compressed)).containsExactly(Path.of((String) r.get("compressed_path")));
        }
    }

    @Test
    void failuresUseTheOriginalRecordWhyAndTheRunGoesOn() throws Exception {
        // An ffmpeg that crashes, fills the disk after writing part of a file, or hangs, depending on a marker the
        // test writes into each input's metadata; anything else goes to the real ffmpeg.
        Path ffmpeg = Tools.script(tmp.resolve("bin"), "ffmpeg", """
                #!/bin/sh
                in=""; prev=""; out=""
                for a in "$@"; do
                  if [ "$prev" = "-i" ] && [ -z "$in" ]; then in="$a"; fi
                  prev="$a"; out="$a"
                done
                case " $* " in
                  *" libx265 "*)
                    if grep -aq CRASHME "$in"; then echo "x265 [error]: encoder crashed" >&2; kill -SEGV $$; fi
                    if grep -aq FILLME "$in" && [ ! -e "$(dirname "$0")/disk-freed" ]; then
                      head -c 100000 /dev/zero > "$out"; echo "$out: No space left on device" >&2; exit 1; fi
                    if grep -aq HANGME "$in"; then exec sleep 60; fi
                    ;;
                esac
                exec ffmpeg "$@"
                """);
        PipelineHome pipeline = new PipelineHome(tmp)
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.compress.video.preset", "ultrafast")
                .set("pipeline.compress.timeout-seconds", "5")
                .set("pipeline.compress.max-failures", "2")
                .set("pipeline.tools.ffmpeg", ffmpeg.toString());
        Path lib = pipeline.library();
        for (String marker : List.of("CRASHME", "FILLME", "HANGME", "GOOD")) {
            String name = marker.toLowerCase() + ".mov";
            clip(lib, name, 320, 240, 1, monthsAgo(1), 0);
            Tools.run(lib, "exiftool", "-q", "-overwrite_original", "-QuickTime:Comment=" + marker, name);
        }
        long started = System.nanoTime();
        assertThat(pipeline.once())
                .as("three compress failures are not all done").isEqualTo(Application.EXIT_NOT_DONE);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the hung encode was cut short").isLessThan(Duration.ofSeconds(55));
        Path home = pipeline.home();
        try (Database db = pipeline.openLedger()) {
            Map<String, Map<String, Object>> rows = rowsByName(db);
            Map<String, String> expected = Map.of(
                    "crashme.mov", "ffmpeg failed (exit",
                    "fillme.mov", "disk full while encoding",
                    "hangme.mov", "did not finish within 5 s");
            expected.forEach((name, reason) -> {
                Map<String, Object> r = rows.get(name);
                assertThat(r.get("compress_decision")).as(name).isEqualTo("failed");
                assertThat((String) r.get("compress_reason")).as(name).contains(reason);
                Path orig = Path.of((String) r.get("original_path"));
                assertThat(orig).isRegularFile();
                // the original is what goes out, untouched
                assertThat(sha(Path.of((String) r.get("compressed_path")))).isEqualTo(sha(orig));
            });
            assertThat(rows.get("good.mov").get("compress_decision")).isEqualTo("compressed");
            assertThat(query(db, "select count(*) as n from pipeline_logs where stage = 'compress' and level = 'error'"))
                    .singleElement().satisfies(r -> assertThat(((Number) r.get("n")).intValue()).isEqualTo(3));
        }
        assertThat(files(home.resolve("work"))).as("no partial output left in scratch").isEmpty();
        assertThat(files(home).stream().filter(p -> p.getFileName().toString().endsWith(".mp-tmp"))).isEmpty();
        assertThat(ProcessHandle.current().descendants().filter(h -> h.info().command().orElse("").endsWith("sleep")))
                .as("the hung tool was killed").isEmpty();

        // The disk has room again: the next run retries the failures (max-failures=2); the freed disk's file is
        // compressed, the others fail a second time, and a third run leaves them alone.
        Files.createFile(ffmpeg.resolveSibling("disk-freed"));
        assertThat(pipeline.once())
                .as("two clips failed again in this run: not all done").isEqualTo(Application.EXIT_NOT_DONE);
        Map<String, Map<String, Object>> second;
        try (Database db = pipeline.openLedger()) {
            second = rowsByName(db);
            Map<String, Object> fill = second.get("fillme.mov");
            assertThat(fill.get("compress_decision")).as((String) fill.get("compress_reason")).isEqualTo("compressed");
            assertThat(((Number) fill.get("compress_failures")).intValue()).isEqualTo(1);
            assertThat(Path.of((String) fill.get("compressed_path"))).isRegularFile();
            assertThat(sha(Path.of((String) fill.get("compressed_path")))).isNotEqualTo(sha(Path.of((String) fill.get("original_path"))));
            assertThat(files(home.resolve("compressed"))).as("one file per clip: the encode took the original's link's place")
                    .hasSize(4);
            for (String name : List.of("crashme.mov", "hangme.mov")) {
                assertThat(second.get(name).get("compress_decision")).as(name).isEqualTo("failed");
                assertThat(((Number) second.get(name).get("compress_failures")).intValue()).as(name).isEqualTo(2);
            }
            assertThat(((Number) second.get("good.mov").get("compressions")).intValue()).as("not redone").isEqualTo(1);
        }
        long third = System.nanoTime();
        assertThat(pipeline.once()).isEqualTo(0);
        try (Database db = pipeline.openLedger()) {
            assertThat(rowsByName(db)).as("nothing retried after max-failures").isEqualTo(second);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - third)).as("the hung file was not tried a third time")
                .isLessThan(Duration.ofSeconds(30));
        assertThat(files(home.resolve("work"))).isEmpty();

        // doctor names what the stage gave up on and how to retry it
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            io.mediapipeline.cli.Doctor.run(() -> io.mediapipeline.Application.load(PipelineHome.projectDir(), pipeline.config(),
                    System.getenv(), System.getProperties()));
        } finally {
            System.setOut(stdout);
        }
        assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("compression   2 compressed").contains("2 failed")
                .contains("2 file(s) failed 2 time(s) and are not retried").contains("compress_failures = 0");
    }
    @Test
    void aVideoRefusedOnlyForItsSsimIsEncodedAgainAtALowerCrf() throws Exception {
        // Measured with ffmpeg 5.1 / x265 ultrafast on these 320x240 clips: testsrc2 SSIM 0.973 at CRF 28, 0.984
        // at 24; the "life" pattern (random cells, like heavy sensor noise) 0.923 at 28, 0.963 at 24.
        PipelineHome pipeline = new PipelineHome(tmp)
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.compress.video.preset", "ultrafast")
                .set("pipeline.compress.video.min-ssim", "0.978")
                .set("pipeline.compress.video.min-crf", "24") // the ladder: 28, 24
                .set("pipeline.compress.progress-seconds", "0");
        Path lib = pipeline.library();
        clip(lib, "pattern.mov", 320, 240, 1, monthsAgo(1), 0);
        clip(lib, "noisy.mov", "life=mold=10:ratio=0.1:death_color=#C83232:life_color=#00ff00:", 320, 240, 1, monthsAgo(1), 0);

        List<String> progress;
        try (LogCapture log = LogCapture.of("io.mediapipeline.compress.Progress")) {
            assertThat(pipeline.once()).isEqualTo(0);
            progress = log.messages(ch.qos.logback.classic.Level.INFO);
        }
        assertThat(progress).as("a progress line per decision (progress-seconds=0)").hasSize(2)
                .last().asString().startsWith("Compress progress: 2 files decided this run, ").endsWith(" saved")
                .doesNotContain(" left"); // what is left is the status's progress line
        try (Database db = pipeline.openLedger(); ExifTool exif = new ExifTool()) {
            Map<String, Map<String, Object>> rows = rowsByName(db);
            Map<String, Object> pattern = rows.get("pattern.mov");
            assertThat(pattern.get("compress_decision")).as((String) pattern.get("compress_reason")).isEqualTo("compressed");
            assertThat(((Number) pattern.get("compress_crf")).intValue()).isEqualTo(24);
            assertThat(((Number) pattern.get("compress_attempts")).intValue()).isEqualTo(2);
            assertThat(((Number) pattern.get("ssim")).doubleValue()).isGreaterThanOrEqualTo(0.978);
            assertThat((String) pattern.get("compress_reason")).contains("CRF 24 (encode 2)");
            Path out = Path.of((String) pattern.get("compressed_path"));
            assertThat(codec(out)).startsWith("hevc");
            assertThat(((Number) pattern.get("compressed_size")).longValue()).isEqualTo(Files.size(out))
                    .isLessThan(((Number) pattern.get("original_size")).longValue() * 9 / 10);
            assertThat(((Number) exif.read(out).get("Composite:GPSLatitude")).doubleValue())
                    .as("metadata of the second encode copied back").isEqualTo(48.1);

            Map<String, Object> noisy = rows.get("noisy.mov");
            assertThat(noisy.get("compress_decision")).isEqualTo("original");
            assertThat((String) noisy.get("compress_reason")).as("the last rung's refusal").matches("SSIM 0\\.9\\d+ \\(all frames\\) below 0\\.98 at CRF 24");
            assertThat(((Number) noisy.get("compress_attempts")).intValue()).isEqualTo(2);
            assertThat(((Number) noisy.get("compressions")).intValue()).isZero();
            assertThat(sha(Path.of((String) noisy.get("compressed_path")))).isEqualTo(sha(Path.of((String) noisy.get("original_path"))));
        }
        assertThat(files(pipeline.home().resolve("work"))).as("no scratch file of a refused rung left").isEmpty();

        // what an operator sees: the JMX counters and the run report
        assertThat(PipelineHome.metric("compress.encodes")).as("2 rungs x 2 clips").isEqualTo(4);
        assertThat(PipelineHome.metric("compress.compressed")).isEqualTo(1);
        assertThat(PipelineHome.metric("compress.original")).isEqualTo(1);
        assertThat(PipelineHome.metric("compress.bytes-saved")).isPositive();
        Path report = files(pipeline.home().resolve("reports")).get(0);
        Map<String, String> decisions = new HashMap<>();
        for (var f : new com.fasterxml.jackson.databind.ObjectMapper().readTree(report.toFile()).path("files")) {
            decisions.put(Path.of(f.path("source").asText()).getFileName().toString(),
                    f.path("compression").path("decision").asText() + ": " + f.path("compression").path("reason").asText());
        }
        assertThat(decisions.get("pattern.mov")).startsWith("compressed: ").contains("CRF 24 (encode 2)");
        assertThat(decisions.get("noisy.mov")).startsWith("original: SSIM ");
    }

    @Test
    void neverMoreEncodesAtOnceThanTheParallelism() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp)
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.compress.video.preset", "slow") // long enough encodes to be seen running
                .set("pipeline.compress.parallelism", "2");
        Path lib = pipeline.library();
        for (int i = 0; i < 5; i++) {
            clip(lib, "c" + i + ".mov", 320, 240, 1, monthsAgo(1 + i), 0);
        }
        // count this JVM's running x265 encodes (the SSIM measurements and exiftool are not encodes)
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread sampler = new Thread(() -> {
            while (!done.get()) {
                int n = (int) ProcessHandle.current().descendants()
                        .filter(h -> h.info().commandLine().orElse("").contains("libx265")).count();
                most.accumulateAndGet(n, Math::max);
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        try {
            assertThat(pipeline.once()).isEqualTo(0);
        } finally {
            done.set(true);
            sampler.join();
        }
        try (Database db = pipeline.openLedger()) {
            assertThat(rowsByName(db).values()).hasSize(5)
                    .allSatisfy(r -> assertThat(r.get("compress_decision")).isEqualTo("compressed"));
        }
        assertThat(most.get()).as("encodes seen at once (pipeline.compress.parallelism=2)").isEqualTo(2);
    }

    /** A service that is never restarted still re-encodes a clip the moment it ages into a smaller tier. */
    @Test
    void aRunningServiceReencodesAVideoThatAgesIntoASmallerTier() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp)
                .set("pipeline.source.folder.poll-seconds", "1")
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.compress.video.preset", "ultrafast")
                .set("pipeline.compress.video.tiers", "0:2160,1:240")
                .set("pipeline.compress.requeue-schedule", "0/2 * * * * ?");
        Path staged = Files.createDirectories(tmp.resolve("staged"));
        clip(staged, "birthday.mov", 640, 360, 1, monthsAgo(1), 0);
        Path compressed = pipeline.home().resolve("compressed");
        Path log = tmp.resolve("service.log");
        Process app = AppProcess.start(pipeline.config(), log, Map.of());
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(log) || !Files.readString(log).contains("Started (service)")) {
            assertThat(app.isAlive()).as("service running (log: " + log + ")").isTrue();
            assertThat(System.nanoTime()).as("service started within 60 s").isLessThan(deadline);
            Thread.sleep(100);
        }
        // Once the service is up (so its start-up time does not count): a clip that turns one year old 15 s from
        // now is encoded first at its own 360 px (tier 0), then, by the requeue pass, at 240 px (tier 1).
        String capture = LocalDateTime.now(java.time.ZoneOffset.UTC).minusYears(1).plusSeconds(15).format(EXIF);
        Tools.run(staged, "exiftool", "-q", "-overwrite_original", "-QuickTime:CreateDate=" + capture, "birthday.mov");
        Files.move(staged.resolve("birthday.mov"), pipeline.library().resolve("birthday.mov"),
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        try {
            Path first = awaitCompressed(compressed, 360, app, log, Duration.ofSeconds(14));
            Path second = awaitCompressed(compressed, 240, app, log, Duration.ofSeconds(45));
            assertThat(second).as("the 240p copy replaced the 360p one under the same name").isEqualTo(first);
            assertThat(files(compressed)).containsExactly(second);
        } finally {
            app.destroy();
            assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.readString(log)).contains("Compress requeue pass: 1 file(s) queued");
        try (Database db = pipeline.openLedger()) {
            Map<String, Object> r = rowsByName(db).get("birthday.mov");
            assertThat(((Number) r.get("compress_tier")).intValue()).isEqualTo(240);
            assertThat(((Number) r.get("compressions")).intValue()).isEqualTo(2);
        }
    }

    /** Waits until compressed/ holds exactly one file, a video whose short side is {@code side}. */
    private static Path awaitCompressed(Path dir, int side, Process app, Path log, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Path> now = Files.isDirectory(dir) ? files(dir) : List.of();
            if (now.size() == 1 && now.get(0).getFileName().toString().endsWith(".mov")) {
                try {
                    int[] wh = size(now.get(0));
                    if (Math.min(wh[0], wh[1]) == side) {
                        return now.get(0);
                    }
                } catch (IllegalStateException replacedMeanwhile) {
                    // the stage swapped the copy between the listing and ffprobe: look again
                }
            }
            assertThat(app.isAlive()).as("service running (log: " + log + ")").isTrue();
            assertThat(System.nanoTime()).as(side + "p copy within " + timeout + " (log: " + log + ")").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    @Test
    void perRunCapAdvancesThroughTheLibrary() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp)
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.compress.max-files-per-run", "2");
        Path lib = pipeline.library();
        Tools.run(lib, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10", "-frames:v", "3",
                "-q:v", "1", "p%d.jpg");
        Tools.run(lib, "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2022:02:02 10:00:00", "p1.jpg", "p2.jpg", "p3.jpg");
        String decided = "select original_name, compressed_at from media_files where compress_decision is not null order by 1";
        assertThat(pipeline.once())
                .as("the cap left a file undecided: not all done").isEqualTo(Application.EXIT_NOT_DONE);
        List<Map<String, Object>> first;
        try (Database db = pipeline.openLedger()) {
            first = query(db, decided);
            assertThat(first).as("two files, the cap").hasSize(2);
        }
        assertThat(files(pipeline.home().resolve("work"))).as("nothing left queued").isEmpty();
        assertThat(pipeline.once()).isEqualTo(0);
        try (Database db = pipeline.openLedger()) {
            List<Map<String, Object>> second = query(db, decided);
            assertThat(second).as("the next run took the third file").hasSize(3);
            assertThat(second).as("the first two were not redone").containsAll(first);
        }
    }
}
