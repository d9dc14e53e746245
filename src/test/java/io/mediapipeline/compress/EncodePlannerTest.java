package io.mediapipeline.compress;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.compress.EncodePlanner.Plan;
import io.mediapipeline.compress.EncodePlanner.Step;
import io.mediapipeline.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compress plan's decisions, from a ledger row and a probe result alone (no tools, no Camel). */
class EncodePlannerTest {

    private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
    private static final OffsetDateTime RECENT = OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
    private static final VideoEncode.Source FULL_HD_H264 = new VideoEncode.Source("h264", 1920, 1080, 12000, "aac", 160);

    @TempDir
    Path app;

    private CompressConfig config(String overrides) throws Exception {
        Path cfg = app.resolve("override.properties");
        Files.writeString(cfg, overrides);
        return CompressConfig.from(Settings.load(app, cfg, Map.of(), new Properties()));
    }

    private static CompressLedger.Row row(String kind, String format, String ext, String decision, Integer tier, int failures) {
        return new CompressLedger.Row(UUID.randomUUID(), "ab12", kind, format, ext, "IMG_1." + ext, RECENT,
                "/home/originals/2026/01/IMG_1." + ext, 1920, 1080, null, decision, tier, null, 0, "archived", failures);
    }

    private static EncodePlanner.VideoProbe probed(VideoEncode.Source s) {
        return () -> s;
    }

    private static final EncodePlanner.VideoProbe NOT_PROBED = () -> {
        throw new AssertionError("a file that needs no encode is not probed");
    };

    private Plan plan(CompressConfig cfg, CompressLedger.Row row, EncodePlanner.VideoProbe probe) throws Exception {
        return new EncodePlanner(cfg).plan(row, probe, 5_000_000, NOW, new RunCaps(cfg, NOW));
    }

    @Test
    void aNewJpegIsEncodedAndADecidedOneIsDone() throws Exception {
        CompressConfig cfg = config("");
        Plan fresh = plan(cfg, row("photo", "JPEG", "jpg", null, null, 0), NOT_PROBED);
        assertThat(fresh.step()).isEqualTo(Step.ENCODE);
        assertThat(fresh.mode()).isEqualTo(EncodeMode.JPEG);
        assertThat(plan(cfg, row("photo", "JPEG", "jpg", "compressed", null, 0), NOT_PROBED).step())
                .as("photos have no tiers: decided once").isEqualTo(Step.ALREADY_DONE);
    }

    @Test
    void aFailureIsRetriedUntilMaxFailures() throws Exception {
        CompressConfig cfg = config("pipeline.compress.max-failures=2\n");
        assertThat(plan(cfg, row("photo", "JPEG", "jpg", "failed", null, 1), NOT_PROBED).step()).isEqualTo(Step.ENCODE);
        Plan given = plan(cfg, row("video", "MOV", "mov", "failed", 1080, 2), NOT_PROBED);
        assertThat(given.step()).as("a video failed too often is not even probed").isEqualTo(Step.ALREADY_DONE);
        assertThat(given.reason()).contains("pipeline.compress.max-failures");
    }

    @Test
    void heicIsKeptUnlessConvertingIsAskedForAndPngPassesThrough() throws Exception {
        Plan kept = plan(config(""), row("photo", "HEIC", "heic", null, null, 0), NOT_PROBED);
        assertThat(kept.step()).isEqualTo(Step.SKIP);
        assertThat(kept.reason()).startsWith("HEIC kept as HEIC");
        Plan converted = plan(config("pipeline.compress.image.heic=jpeg\n"), row("photo", "HEIC", "heic", null, null, 0),
                NOT_PROBED);
        assertThat(converted.step()).isEqualTo(Step.ENCODE);
        assertThat(converted.mode()).isEqualTo(EncodeMode.HEIC);
        Plan png = plan(config(""), row("photo", "PNG", "png", null, null, 0), NOT_PROBED);
        assertThat(png.step()).isEqualTo(Step.SKIP);
        assertThat(png.reason()).isEqualTo("png is passed through (only JPEG photos are recompressed)");
    }

    @Test
    void aVideoIsEncodedAgainOnlyWhenItsTierChanged() throws Exception {
        CompressConfig cfg = config("");
        Plan fresh = plan(cfg, row("video", "MOV", "mov", null, null, 0), probed(FULL_HD_H264));
        assertThat(fresh.step()).isEqualTo(Step.ENCODE);
        assertThat(fresh.mode()).isEqualTo(EncodeMode.VIDEO);
        assertThat(fresh.tier()).as("recent, 1080p: the tier is the source's own size").isEqualTo(1080);
        assertThat(plan(cfg, row("video", "MOV", "mov", "compressed", 1080, 0), probed(FULL_HD_H264)).step())
                .isEqualTo(Step.ALREADY_DONE);
        CompressLedger.Row older = new CompressLedger.Row(UUID.randomUUID(), "cd34", "video", "MOV", "mov", "old.mov",
                RECENT.minusYears(2), "/home/originals/2024/01/old.mov", 1920, 1080, null, "compressed", 1080, null, 1,
                "archived", 0);
        Plan aged = plan(cfg, older, probed(FULL_HD_H264));
        assertThat(aged.step()).as("two years old: the 720 tier").isEqualTo(Step.ENCODE);
        assertThat(aged.tier()).isEqualTo(720);
    }

    @Test
    void efficientHevcIsSkippedWithItsReason() throws Exception {
        Plan p = plan(config(""), row("video", "MOV", "mov", null, null, 0),
                probed(new VideoEncode.Source("hevc", 1920, 1080, 2000, "aac", 128)));
        assertThat(p.step()).isEqualTo(Step.SKIP);
        assertThat(p.reason()).startsWith("already efficient: HEVC at 2000 kbit/s");
    }

    @Test
    void theRunsCapsDeferTheRest() throws Exception {
        CompressConfig cfg = config("pipeline.compress.max-files-per-run=1\n");
        EncodePlanner planner = new EncodePlanner(cfg);
        RunCaps caps = new RunCaps(cfg, NOW);
        CompressLedger.Row jpeg = row("photo", "JPEG", "jpg", null, null, 0);
        assertThat(planner.plan(jpeg, NOT_PROBED, 1, NOW, caps).step()).isEqualTo(Step.ENCODE);
        assertThat(planner.plan(jpeg, NOT_PROBED, 1, NOW, caps).step()).isEqualTo(Step.DEFERRED);
        assertThat(planner.plan(row("photo", "PNG", "png", null, null, 0), NOT_PROBED, 1, NOW, caps).step())
                .as("no encode, no cap").isEqualTo(Step.SKIP);
    }

    @Test
    void theCommandsNameTheToolThatRuns() throws Exception {
        CompressConfig cfg = config("");
        EncodePlanner planner = new EncodePlanner(cfg);
        Path original = Path.of("/home/originals/2026/01/IMG_1.mov");
        Encode first = planner.video(row("video", "MOV", "mov", null, null, 0), original,
                new VideoEncode.Source("h264", 3840, 2160, 40000, "aac", 160), 1080, Path.of("/s/out.mov"), 0);
        assertThat(first.tool()).isEqualTo(Tool.FFMPEG);
        assertThat(first.crf()).isEqualTo(28);
        assertThat(first.args()).containsSequence("-vf", "scale=-2:1080").containsSequence("-crf", "28")
                .containsSequence("-f", "mov", "/s/out.mov");
        Encode retry = planner.video(row("video", "MOV", "mov", null, null, 0), original,
                new VideoEncode.Source("h264", 3840, 2160, 40000, "aac", 160), 1080, Path.of("/s/out.mov"), 1);
        assertThat(retry.crf()).as("the ladder's second rung").isEqualTo(24);

        Encode heic = planner.heic(Path.of("/o/a.heic"), Path.of("/s/a.jpg"));
        assertThat(heic.tool()).isEqualTo(Tool.HEIF_CONVERT);
        assertThat(heic.args()).containsExactly("-q", "85", "/o/a.heic", "/s/a.jpg");
        assertThat(planner.measure(heic, Path.of("/o/a.heic"))).as("ffmpeg cannot decode HEIC").isNull();
        assertThat(EncodePlanner.copyMetadata(heic, Path.of("/o/a.heic"))).contains("-Orientation=1").last()
                .isEqualTo("/s/a.jpg");

        Encode cjpeg = planner.jpeg(new JpegEncoders.Encoder(JpegEncoders.Kind.CJPEG, "libjpeg-turbo 2.1.5 cjpeg"),
                Path.of("/o/b.jpg"), 1000, 400, Path.of("/s/b.jpg"), Path.of("/s/b.pnm"));
        assertThat(cjpeg.tool()).isEqualTo(Tool.DJPEG);
        assertThat(cjpeg.second()).isEqualTo(Tool.CJPEG);
        assertThat(cjpeg.intermediateBytes()).as("a PPM: 3 bytes a pixel").isEqualTo(1200);
        assertThat(cjpeg.secondArgs()).containsSequence("-outfile", "/s/b.jpg", "/s/b.pnm");
        Encode mjpeg = planner.jpeg(new JpegEncoders.Encoder(JpegEncoders.Kind.FFMPEG, "mjpeg (ffmpeg)"),
                Path.of("/o/b.jpg"), 1000, 0, Path.of("/s/b.jpg"), null);
        assertThat(mjpeg.tool()).isEqualTo(Tool.FFMPEG);
        assertThat(mjpeg.second()).isNull();
    }

    @Test
    void cameraRawIsKeptAsTheOriginalWithAReason() throws Exception {
        for (String raw : new String[] {"cr2", "CR3", "nef", "arw", "raf", "orf", "rw2", "dng"}) {
            Plan kept = plan(config(""), row("photo", raw, raw.toLowerCase(java.util.Locale.ROOT), null, null, 0),
                    NOT_PROBED);
            assertThat(kept.step()).as(raw).isEqualTo(Step.SKIP);
            assertThat(kept.reason()).as(raw).startsWith("camera RAW").contains("kept as original");
        }
    }
}
