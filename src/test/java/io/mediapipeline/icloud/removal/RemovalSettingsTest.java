package io.mediapipeline.icloud.removal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RemovalSettingsTest {

    @TempDir
    Path app;

    private RemovalConfig load(String overrides) throws Exception {
        return RemovalConfig.from(PipelineHome.loadSettings(app, overrides, Map.of()));
    }

    @Test
    void removalIsOffAndADryRunUnlessSaidOtherwise() throws Exception {
        assertThat(load("")).isEqualTo(new RemovalConfig(false, true, Duration.ofHours(24)));
        assertThat(load("pipeline.target.icloud.removal.enabled=true\npipeline.target.icloud.removal.dry-run=false\n"))
                .isEqualTo(new RemovalConfig(true, false, Duration.ofHours(24)));
    }

    @Test
    void aBadValueNamesItsKey() {
        assertThatThrownBy(() -> load("pipeline.target.icloud.removal.date-window-hours=0\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pipeline.target.icloud.removal.date-window-hours");
        assertThatThrownBy(() -> load("pipeline.target.icloud.removal.dry-run=maybe\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pipeline.target.icloud.removal.dry-run");
    }
}
