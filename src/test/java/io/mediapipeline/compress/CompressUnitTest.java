package io.mediapipeline.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import io.mediapipeline.support.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings, tiers, the metadata diff and the SSIM parser of the compress stage. */
class CompressUnitTest {

    @TempDir
    Path app;

    private Settings load(String overrides) throws Exception {
        Path cfg = app.resolve("override.properties");
        Files.writeString(cfg, overrides);
        return io.mediapipeline.Application.load(app, cfg, Map.of(), new Properties());
    }

    @Test
    void theRunsProgressLineSaysWhatItDidInTheSharedWords() {
        Progress progress = new Progress(java.time.Duration.ZERO);
        try (LogCapture log = LogCapture.of(Progress.class.getName())) {
            progress.decided(1_000_000);
            progress.decided(-5); // kept bigger than the original: nothing saved, nothing taken off
            progress.decided(500_000);
            assertThat(log.messages(Level.INFO)).containsExactly("Compress progress: 1 file decided this run, 1.0 MB saved",
                    "Compress progress: 2 files decided this run, 1.0 MB saved",
                    "Compress progress: 3 files decided this run, 1.5 MB saved");
        }
    }

    @Test
    void defaultsAndEnabling() throws Exception {
        CompressConfig c = CompressConfig.from(load("pipeline.compress.enabled=true\n"));
        assertThat(c.parallelism()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(c.videoCodec()).isEqualTo("libx265");
        assertThat(c.tiers()).containsExactly(new CompressConfig.Tier(0, 2160), new CompressConfig.Tier(1, 1080),
                new CompressConfig.Tier(2, 720), new CompressConfig.Tier(3, 480));
        assertThat(c.minSavingPercent()).isEqualTo(10);
        assertThat(c.videoMinSsim()).isEqualTo(0.95);
        assertThat(c.imageMinSsim()).isEqualTo(0.97);
        assertThat(CompressConfig.from(load("pipeline.compress.parallelism=3\n")).parallelism()).isEqualTo(3);
    }

    @Test
    void theCrfLadderStepsDownToTheFloor() throws Exception {
        assertThat(CompressConfig.from(load("")).crfLadder()).containsExactly(28, 24, 20);
        assertThat(CompressConfig.from(load("pipeline.compress.video.retry-crf-step=3\n")).crfLadder())
                .containsExactly(28, 25, 22);
        assertThat(CompressConfig.from(load("pipeline.compress.video.retry-crf-step=0\n")).crfLadder()).containsExactly(28);
        assertThat(CompressConfig.from(load("pipeline.compress.video.crf=20\n")).crfLadder()).containsExactly(20);
        assertThat(CompressConfig.from(load("pipeline.compress.video.crf=23\npipeline.compress.video.min-crf=18\n"))
                .crfLadder()).containsExactly(23, 19);
    }

    @Test
    void badValuesNameTheirKey() {
        for (String[] bad : List.of(
                new String[] {"pipeline.compress.video.codec=av1", "pipeline.compress.video.codec"},
                new String[] {"pipeline.compress.video.crf=70", "pipeline.compress.video.crf"},
                new String[] {"pipeline.compress.video.preset=quick", "pipeline.compress.video.preset"},
                new String[] {"pipeline.compress.video.tiers=1:1080", "pipeline.compress.video.tiers"},
                new String[] {"pipeline.compress.video.tiers=0:2160,x", "pipeline.compress.video.tiers"},
                new String[] {"pipeline.compress.video.min-ssim=1.5", "pipeline.compress.video.min-ssim"},
                new String[] {"pipeline.compress.image.quality=0", "pipeline.compress.image.quality"},
                new String[] {"pipeline.compress.image.heic=png", "pipeline.compress.image.heic"},
                new String[] {"pipeline.compress.image.encoder=mozjpeg", "pipeline.compress.image.encoder"},
                new String[] {"pipeline.compress.parallelism=-1", "pipeline.compress.parallelism"},
                new String[] {"pipeline.compress.max-mb-per-run=lots", "pipeline.compress.max-mb-per-run"},
                new String[] {"pipeline.compress.timeout-seconds=0", "pipeline.compress.timeout-seconds"},
                new String[] {"pipeline.compress.video.min-crf=60", "pipeline.compress.video.min-crf"},
                new String[] {"pipeline.compress.video.retry-crf-step=-2", "pipeline.compress.video.retry-crf-step"},
                new String[] {"pipeline.compress.max-failures=0", "pipeline.compress.max-failures"},
                new String[] {"pipeline.compress.progress-seconds=-1", "pipeline.compress.progress-seconds"},
                new String[] {"pipeline.compress.requeue-schedule=daily", "pipeline.compress.requeue-schedule"})) {
            assertThatThrownBy(() -> load(bad[0] + "\n")).as(bad[0])
                    .isInstanceOf(ConfigException.class).hasMessageContaining(bad[1]);
        }
    }

    @Test
    void tiersFollowCaptureAgeAndNeverUpscale() {
        List<CompressConfig.Tier> tiers = CompressConfig.tiers("0:2160,1:1080,2:720,3:480");
        Instant now = Instant.parse("2026-06-01T00:00:00Z");
        OffsetDateTime recent = OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
        assertThat(Tiers.tierFor(tiers, recent, now)).isEqualTo(2160);
        assertThat(Tiers.tierFor(tiers, recent.minusYears(1), now)).isEqualTo(1080);
        assertThat(Tiers.tierFor(tiers, recent.minusYears(2), now)).isEqualTo(720);
        assertThat(Tiers.tierFor(tiers, recent.minusYears(10), now)).isEqualTo(480);
        assertThat(Tiers.tierFor(tiers, null, now)).as("undated: newest tier").isEqualTo(2160);
        assertThat(Tiers.targetShortSide(tiers, recent, now, 3840, 2160)).isEqualTo(2160);
        assertThat(Tiers.targetShortSide(tiers, recent.minusYears(1), now, 1080, 1920)).as("portrait").isEqualTo(1080);
        assertThat(Tiers.targetShortSide(tiers, recent.minusYears(1), now, 640, 360)).as("no upscale").isEqualTo(360);
    }

    @Test
    void metadataDiffNamesWhatWasLost() {
        Map<String, Object> orig = Map.of("ExifIFD:DateTimeOriginal", "2021:01:01 10:00:00", "IFD0:Orientation", 6,
                "Composite:GPSLatitude", 48.1, "Composite:GPSLongitude", 11.5, "IFD0:Make", "Apple",
                "Composite:Rotation", 90);
        assertThat(MetadataDiff.lost(orig, orig)).isEmpty();
        assertThat(MetadataDiff.lost(orig, Map.of("ExifIFD:DateTimeOriginal", "2021:01:01 10:00:00", "IFD0:Orientation", 1,
                "Composite:GPSLatitude", 48.1, "Composite:Rotation", 90)))
                .containsExactly("make", "orientation", "GPS");
        assertThat(MetadataDiff.lost(Map.of(), Map.of())).isEmpty();
    }

    @Test
    void ssimStatsAreAveraged() {
        assertThat(SsimMeasure.summary("Output #0, null, to 'pipe:':\n[Parsed_ssim_3 @ 0x560f2559b740] SSIM Y:0.463593 (2.705054)"
                + " U:0.505856 (3.061464) V:0.475480 (2.802378) All:0.472618 (2.778745)\n")).isEqualTo(0.472618);
        assertThat(SsimMeasure.summary("[h264 @ 0x1] error while decoding MB 3 4\n")).isNull();
        assertThat(JpegEncoders.qscale(85)).isEqualTo(4);
        assertThat(JpegEncoders.qscale(100)).isEqualTo(2);
    }
}
