package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static io.mediapipeline.support.PipelineHome.sha;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.Application;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.media.ExifTool;
import io.mediapipeline.support.AppProcess;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compress stage's README promises not covered by CompressIT: the gate refusing a copy that lost a tag or
 * fell below the photo SSIM, heic=jpeg, the size and time caps per run, and SIGTERM waiting for a running encode.
 * The three gate checks share one run (each file's decision is its own).
 */
class CompressPromisesIT {

    @TempDir
    static Path shared;
    static PipelineHome gateRun;

    /** An exiftool that, after copying the tags back onto an output whose original says LOSETAG, drops its GPS. */
    static Path exiftoolThatLosesGps(Path dir) throws Exception {
        Path exiftool = Tools.script(dir.resolve("bin"), "exiftool", """
                #!/bin/sh
                src=""; prev=""; out=""
                for a in "$@"; do
                  if [ "$prev" = "-tagsFromFile" ]; then src="$a"; fi
                  prev="$a"; out="$a"
                done
                if [ -n "$src" ] && grep -aq LOSETAG "$src"; then
                  exiftool "$@" || exit $?
                  exec exiftool -q -overwrite_original -gps:all= "$out"
                fi
                exec exiftool "$@"
                """);
        return exiftool;
    }

    @BeforeAll
    static void runTheGate() throws Exception {
        gateRun = new PipelineHome(shared)
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.compress.image.heic", "jpeg")
                .set("pipeline.compress.image.min-ssim", "0.99")
                .set("pipeline.tools.exiftool", exiftoolThatLosesGps(shared).toString());
        Path lib = gateRun.library();
        String gps = "-GPSLatitude=48.1 -GPSLatitudeRef=N -GPSLongitude=11.5 -GPSLongitudeRef=E";
        // a plain photo whose copy loses its GPS on the way (the wrapper above)
        Tools.run(lib, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x480", "-frames:v", "1", "-q:v", "1", "tagloss.jpg");
        exif(lib, "tagloss.jpg", "-ImageDescription=LOSETAG " + gps);
        // heavy sensor-like noise: quality 85 keeps SSIM about 0.985, below the 0.99 this run asks for
        Tools.run(lib, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x480", "-vf", "noise=alls=60:allf=t",
                "-frames:v", "1", "-q:v", "1", "noisy.jpg");
        exif(lib, "noisy.jpg", gps);
        // a HEIC at high quality: as a quality-85 JPEG it is about 20% smaller
        Tools.run(lib, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1",
                shared.resolve("h.png").toString());
        Tools.run(lib, "heif-enc", "-q", "90", "-o", "photo.heic", shared.resolve("h.png").toString());
        exif(lib, "photo.heic", gps);
        assertThat(gateRun.once()).isEqualTo(0);
    }

    static void exif(Path dir, String file, String tags) {
        List<String> cmd = new java.util.ArrayList<>(List.of("exiftool", "-q", "-overwrite_original",
                "-DateTimeOriginal=2022:03:04 05:06:07"));
        cmd.addAll(List.of(tags.split(" ")));
        cmd.add(file);
        Tools.run(dir, cmd.toArray(String[]::new));
    }

    static Map<String, Object> row(PipelineHome pipeline, String name) {
        try (Database db = pipeline.openLedger()) {
            return query(db, """
                    select original_path, compressed_path, compress_decision, compress_reason, codec, ssim
                      from media_files where original_name = ?""", name).get(0);
        }
    }

    @Test
    void aCopyThatLostATagIsRefusedAndTheOriginalGoesOut() {
        Map<String, Object> r = row(gateRun, "tagloss.jpg");
        assertThat(r.get("compress_decision")).isEqualTo("original");
        assertThat((String) r.get("compress_reason")).contains("metadata lost: GPS");
        assertThat(sha(Path.of((String) r.get("compressed_path")))).as("compressed/ holds the original")
                .isEqualTo(sha(Path.of((String) r.get("original_path"))));
        assertThat(files(gateRun.home().resolve("work"))).as("the refused copy is not kept").isEmpty();
    }

    @Test
    void aPhotoBelowTheSsimGateKeepsTheOriginal() {
        Map<String, Object> r = row(gateRun, "noisy.jpg");
        assertThat(r.get("compress_decision")).isEqualTo("original");
        assertThat((String) r.get("compress_reason")).matches("SSIM 0\\.9[0-8]\\d\\d \\(all frames\\) below 0\\.99");
        assertThat(((Number) r.get("ssim")).doubleValue()).isLessThan(0.99);
        assertThat(sha(Path.of((String) r.get("compressed_path")))).isEqualTo(sha(Path.of((String) r.get("original_path"))));
    }

    @Test
    void heicEqualsJpegTurnsAHeicIntoAJpegWithItsTags() throws Exception {
        Map<String, Object> r = row(gateRun, "photo.heic");
        assertThat(r.get("compress_decision")).as((String) r.get("compress_reason")).isEqualTo("compressed");
        assertThat((String) r.get("compress_reason")).contains("SSIM not measured");
        assertThat(r.get("codec")).isEqualTo("jpeg (heif-convert)");
        Path out = Path.of((String) r.get("compressed_path"));
        assertThat(out.getFileName().toString()).endsWith(".jpg");
        assertThat(Files.size(out)).isLessThan(Files.size(Path.of((String) r.get("original_path"))));
        try (ExifTool exif = new ExifTool()) {
            Map<String, Object> tags = exif.read(out);
            assertThat(tags.get("File:FileType")).isEqualTo("JPEG");
            assertThat(tags.get("ExifIFD:DateTimeOriginal")).isEqualTo("2022:03:04 05:06:07");
            assertThat(((Number) tags.get("Composite:GPSLatitude")).doubleValue()).isEqualTo(48.1);
        }
    }

    private static String decided = "select original_name from media_files where compress_decision is not null order by 1";

    @Test
    void perRunMegabyteCapLeavesTheRestForTheNextRun(@TempDir Path tmp) throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp)
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.compress.max-mb-per-run", "1");
        Path lib = pipeline.library();
        // three photos of 0.5-1 MiB each: the second one started reaches the cap, the third waits
        Tools.run(lib, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1024x768:rate=10", "-vf",
                "noise=alls=40:allf=t", "-frames:v", "3", "-q:v", "1", "p%d.jpg");
        Tools.run(lib, "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2022:02:02 10:00:00", "p1.jpg", "p2.jpg", "p3.jpg");
        for (Path p : files(lib)) {
            assertThat(Files.size(p)).as(p + " size").isBetween(512L * 1024, 1024L * 1024 - 1);
        }
        assertThat(pipeline.once())
                .as("the cap left a file undecided: not all done").isEqualTo(Application.EXIT_NOT_DONE);
        List<Map<String, Object>> first;
        try (Database db = pipeline.openLedger()) {
            first = query(db, decided);
            assertThat(first).as("1 MiB per run: two started, the third left undecided").hasSize(2);
            assertThat(query(db, "select 1 from media_files")).hasSize(3);
        }
        assertThat(pipeline.once()).isEqualTo(0);
        try (Database db = pipeline.openLedger()) {
            assertThat(query(db, decided)).as("the next run took the third").hasSize(3).containsAll(first);
        }
    }

    @Test
    void perRunMinuteCapLeavesTheRestForTheNextRun(@TempDir Path tmp) throws Exception {
        // an ffmpeg whose photo encodes take just over the one-minute cap until the test says otherwise
        Path ffmpeg = Tools.script(tmp.resolve("bin"), "ffmpeg", """
                #!/bin/sh
                case " $* " in *" mjpeg "*) [ -e "$(dirname "$0")/fast" ] || sleep 62 ;; esac
                exec ffmpeg "$@"
                """);
        PipelineHome pipeline = new PipelineHome(tmp)
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.compress.parallelism", "1")
                .set("pipeline.compress.max-minutes-per-run", "1")
                .set("pipeline.tools.ffmpeg", ffmpeg.toString());
        Tools.photos(pipeline.library(), "p", 2, "2022:02:02 10:00:00");
        assertThat(pipeline.once())
                .as("the cap left a file undecided: not all done").isEqualTo(Application.EXIT_NOT_DONE);
        try (Database db = pipeline.openLedger()) {
            assertThat(query(db, decided)).as("the second file started after the minute: left for the next run").hasSize(1);
        }
        Files.createFile(tmp.resolve("bin/fast"));
        assertThat(pipeline.once()).isEqualTo(0);
        try (Database db = pipeline.openLedger()) {
            assertThat(query(db, decided)).hasSize(2);
        }
    }

    @Test
    void sigtermWaitsForTheRunningEncodeAndRecordsIt(@TempDir Path tmp) throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp)
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.compress.video.preset", "slow")
                .set("pipeline.compress.parallelism", "1");
        CompressIT.clip(pipeline.library(), "party.mov", 640, 360, 2, "2025:01:01 12:00:00", 0);
        Path scratch = pipeline.home().resolve("work/.compress-scratch");
        Path log = tmp.resolve("service.log");
        Process app = AppProcess.start(pipeline.config(), log, Map.of());
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (files(scratch).isEmpty()
                    || app.descendants().noneMatch(h -> h.info().commandLine().orElse("").contains("libx265"))) {
                assertThat(app.isAlive()).as("service running (log: " + log + ")").isTrue();
                assertThat(System.nanoTime()).as("encode started within 120 s").isLessThan(deadline);
                Thread.sleep(20);
            }
            app.destroy(); // SIGTERM, as systemd stops the service
            assertThat(app.waitFor(90, TimeUnit.SECONDS)).as("stopped").isTrue();
        } finally {
            app.destroyForcibly();
        }
        assertThat(app.exitValue()).as("exit code on SIGTERM (log: " + log + ")").isEqualTo(143);
        Map<String, Object> r = row(pipeline, "party.mov");
        assertThat(r.get("compress_decision")).as("the encode running at SIGTERM finished and was recorded; "
                + r.get("compress_reason")).isEqualTo("compressed");
        assertThat(Path.of((String) r.get("compressed_path"))).isRegularFile();
        assertThat(files(scratch)).isEmpty();
    }
}
