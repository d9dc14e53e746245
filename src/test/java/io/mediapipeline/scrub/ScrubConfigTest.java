package io.mediapipeline.scrub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScrubConfigTest {

    @TempDir
    Path app;

    private ScrubConfig load(String overrides) throws Exception {
        return ScrubConfig.from(PipelineHome.loadSettings(app, overrides, Map.of()));
    }

    @Test
    void theShippedSettingsScrubMonthlyAtFiftyMegabytesPerSecond() throws Exception {
        ScrubConfig c = load("");
        assertThat(c.enabled()).isTrue();
        assertThat(c.restore()).isTrue();
        assertThat(c.cycle()).isEqualTo(Duration.ofDays(30));
        assertThat(c.maxBytesPerSecond()).isEqualTo(50L << 20);
        assertThat(c.linkArchive()).isTrue();
    }

    @Test
    void aBadValueIsNamedByItsKey() {
        assertThatThrownBy(() -> load("pipeline.scrub.cycle-days=0\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("pipeline.scrub.cycle-days");
        assertThatThrownBy(() -> load("pipeline.scrub.max-mb-per-second=-1\n")).hasMessageContaining("pipeline.scrub.max-mb-per-second");
        assertThatThrownBy(() -> load("pipeline.scrub.restore=maybe\n")).hasMessageContaining("pipeline.scrub.restore");
        assertThatThrownBy(() -> load("pipeline.scrub.enabled=yes\n")).hasMessageContaining("pipeline.scrub.enabled");
        assertThatThrownBy(() -> load("pipeline.scrub.schedule=daily\n")).hasMessageContaining("pipeline.scrub.schedule");
    }

    @Test
    void noCapReadsAsFastAsTheDiskGoes() throws Exception {
        assertThat(load("pipeline.scrub.max-mb-per-second=0\n").maxBytesPerSecond()).isZero();
    }
}
