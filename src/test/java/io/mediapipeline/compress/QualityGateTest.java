package io.mediapipeline.compress;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.compress.QualityGate.Judgement;
import io.mediapipeline.compress.QualityGate.Verdict;
import io.mediapipeline.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compress gate's verdicts, from sizes, SSIM and the lost tags alone (no tools, no Camel). */
class QualityGateTest {

    @TempDir
    Path app;

    private QualityGate gate;

    @BeforeEach
    void defaults() throws Exception {
        Path cfg = app.resolve("override.properties");
        Files.writeString(cfg, "");
        gate = new QualityGate(CompressConfig.from(Settings.load(app, cfg, Map.of(), new Properties())));
    }

    private static Encode video(int crf, int rung) {
        return new Encode(EncodeMode.VIDEO, "hevc (libx265)", 720, 0.95, Path.of("/s/v.mp4"), "mp4", Tool.FFMPEG,
                List.of(), null, null, null, 0, crf, rung);
    }

    private static Encode photo(EncodeMode mode) {
        return new Encode(mode, "mjpeg (ffmpeg)", null, 0.97, Path.of("/s/p.jpg"), "jpg", Tool.FFMPEG, List.of(), null,
                null, null, 0, null, 0);
    }

    @Test
    void aSmallerFaithfulCopyIsAcceptedAndTheReasonSaysWhy() {
        Judgement j = gate.judge(video(24, 1), 1000, 400, 0.98, List.of(), 2);
        assertThat(j.verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(j.reason()).isEqualTo("60.0% smaller, SSIM 0.9800 (all frames), short side 720 px, CRF 24 (encode 2)");
        assertThat(gate.judge(photo(EncodeMode.HEIC), 1000, 500, null, List.of(), 0).reason())
                .isEqualTo("50.0% smaller (SSIM not measured: ffmpeg cannot decode HEIC)");
    }

    @Test
    void tooLittleSavingOrLostMetadataRefusesWithEveryReason() {
        Judgement j = gate.judge(photo(EncodeMode.JPEG), 1000, 950, 0.99, List.of("GPS", "make"), 0);
        assertThat(j.verdict()).isEqualTo(Verdict.REFUSE);
        assertThat(j.reason()).isEqualTo("only 5.0% smaller (needs 10%); metadata lost: GPS, make");
    }

    @Test
    void onlyALowSsimClimbsTheCrfLadderUntilItsLastRung() {
        Judgement first = gate.judge(video(28, 0), 1000, 300, 0.93, List.of(), 1);
        assertThat(first.verdict()).isEqualTo(Verdict.RETRY);
        assertThat(first.reason()).isEqualTo("SSIM 0.9300 (all frames) below 0.95 at CRF 28");
        assertThat(gate.judge(video(20, 2), 1000, 300, 0.93, List.of(), 3).verdict()).as("no rung left")
                .isEqualTo(Verdict.REFUSE);
        assertThat(gate.judge(video(28, 0), 1000, 300, 0.93, List.of("GPS"), 1).verdict())
                .as("a lower CRF does not bring back GPS").isEqualTo(Verdict.REFUSE);
        assertThat(gate.judge(photo(EncodeMode.JPEG), 1000, 300, 0.90, List.of(), 0).verdict())
                .as("photos have no ladder").isEqualTo(Verdict.REFUSE);
    }

    @Test
    void heifConvertsUprightPixelsAreNotALostOrientation() {
        assertThat(gate.judge(photo(EncodeMode.HEIC), 1000, 500, null, List.of("orientation"), 0).verdict())
                .isEqualTo(Verdict.ACCEPT);
        assertThat(gate.judge(photo(EncodeMode.JPEG), 1000, 500, 0.99, List.of("orientation"), 0).verdict())
                .isEqualTo(Verdict.REFUSE);
    }
}
