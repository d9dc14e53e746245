package io.mediapipeline.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pipeline.verify.*: the shipped defaults, and a bad value refused with its key named. */
class VerifyConfigTest {

    @TempDir
    Path app;

    private Settings load(String overrides) throws Exception {
        return PipelineHome.loadSettings(app, overrides, Map.of());
    }

    @Test
    void defaults() throws Exception {
        VerifyConfig c = VerifyConfig.from(load(""));
        assertThat(c).isEqualTo(new VerifyConfig(true, 60, 200, Duration.ofMinutes(60), false));
        assertThat(VerifyConfig.from(load("pipeline.compress.enabled=true\npipeline.verify.recheck-minutes=5\n")))
                .extracting(VerifyConfig::compressOn, VerifyConfig::recheck).containsExactly(true, Duration.ofMinutes(5));
    }

    @Test
    void aBadValueNamesItsKey() throws Exception {
        assertThatThrownBy(() -> VerifyConfig.from(load("pipeline.verify.batch-size=0\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pipeline.verify.batch-size");
        assertThatThrownBy(() -> VerifyConfig.from(load("pipeline.verify.enabled=yes\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pipeline.verify.enabled");
    }
}
