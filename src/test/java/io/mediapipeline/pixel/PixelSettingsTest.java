package io.mediapipeline.pixel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PixelSettingsTest {

    private static final String PHONE = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2";

    @TempDir
    Path app;

    private Settings load(String overrides, Map<String, String> env) throws Exception {
        Settings settings = PipelineHome.loadSettings(app, overrides, env);
        PixelConfig.from(settings);
        return settings;
    }

    @Test
    void pixelTargetCanBeSwitchedOnWhenComplete() throws Exception {
        Settings s = load("pipeline.target.pixel.enabled=true\npipeline.target.pixel.folder-id=pixel\n"
                + "pipeline.target.pixel.device-id=" + PHONE + "\n", Map.of("PIPELINE_TARGET_PIXEL_API_KEY", "k3y"));
        assertThat(s.bool("pipeline.target.pixel.enabled")).isTrue();
        assertThat(s.describe().get("pipeline.target.pixel.api-key")).as("never shown").isEqualTo("******");
        assertThat(s.integer("pipeline.target.pixel.batch.max-files")).isEqualTo(500);
        assertThat(s.integer("pipeline.target.pixel.batch.max-mb")).isEqualTo(5120);
        assertThat(PixelConfig.from(s).proof().holdDays()).isEqualTo(7.0);
        assertThat(s.integer("pipeline.target.pixel.live-pair-wait-seconds")).isEqualTo(60);
        assertThat(PixelConfig.from(s).staging().bridge()).isEqualTo(app.resolve("data/bridge/pixel"));
        assertThat(PixelConfig.from(s).motion().enabled()).as("Motion Photos are off by default").isFalse();
    }

    @Test
    void motionPhotosAreSwitchedOnWithTheToolsOfThePipeline() throws Exception {
        PixelConfig.Motion m = PixelConfig.from(load("pipeline.target.pixel.motion-photos=true\n"
                + "pipeline.tools.ffmpeg=/opt/ffmpeg/bin/ffmpeg\n", Map.of())).motion();
        assertThat(m.enabled()).isTrue();
        assertThat(m.ffmpeg()).isEqualTo("/opt/ffmpeg/bin/ffmpeg");
        assertThat(m.exiftool()).isEqualTo("exiftool");
        assertThatThrownBy(() -> load("pipeline.target.pixel.motion-photos=maybe\n", Map.of()))
                .hasMessageContaining("pipeline.target.pixel.motion-photos");
    }

    @Test
    void incompletePixelSettingsAreNamed() {
        String on = "pipeline.target.pixel.enabled=true\n";
        assertThatThrownBy(() -> load(on, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("pipeline.target.pixel.folder-id");
        assertThatThrownBy(() -> load(on + "pipeline.target.pixel.folder-id=p\npipeline.target.pixel.device-id=phone\n", Map.of()))
                .hasMessageContaining("pipeline.target.pixel.device-id");
        assertThatThrownBy(() -> load(on + "pipeline.target.pixel.folder-id=p\npipeline.target.pixel.device-id=" + PHONE + "\n", Map.of()))
                .hasMessageContaining("pipeline.target.pixel.api-key");
        assertThatThrownBy(() -> load(on + "pipeline.target.pixel.folder-id=p\npipeline.target.pixel.device-id=" + PHONE
                + "\npipeline.target.pixel.api-key=k\npipeline.target.pixel.syncthing.url=http://h:1/?apikey=x\n", Map.of()))
                .hasMessageContaining("pipeline.target.pixel.syncthing.url");
        assertThatThrownBy(() -> load("pipeline.target.pixel.batch.max-files=0\n", Map.of()))
                .hasMessageContaining("pipeline.target.pixel.batch.max-files");
        assertThatThrownBy(() -> load("pipeline.target.pixel.hold-days=-0.5\n", Map.of()))
                .hasMessageContaining("pipeline.target.pixel.hold-days").hasMessageContaining("0 or more");
        assertThatThrownBy(() -> load("pipeline.target.pixel.hold-days=a week\n", Map.of()))
                .hasMessageContaining("pipeline.target.pixel.hold-days").hasMessageContaining("0.5");
        assertThatThrownBy(() -> load("pipeline.target.pixel.phone.url=http://phone:8384/rest?apikey=x\n", Map.of()))
                .hasMessageContaining("pipeline.target.pixel.phone.url");
        assertThatThrownBy(() -> load("pipeline.target.pixel.live-pair-wait-seconds=-1\n", Map.of()))
                .hasMessageContaining("pipeline.target.pixel.live-pair-wait-seconds").hasMessageContaining("0 or more");
    }
}
