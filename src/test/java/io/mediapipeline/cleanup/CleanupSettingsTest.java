package io.mediapipeline.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pipeline.cleanup.*: off and safe by default; a bad value stops the start with a message naming its key. */
class CleanupSettingsTest {

    @TempDir
    Path app;

    private CleanupConfig load(String overrides) throws Exception {
        return CleanupConfig.from(PipelineHome.loadSettings(app, overrides, Map.of()));
    }

    @Test
    void defaultsRemoveNothing() throws Exception {
        CleanupConfig c = load("");
        assertThat(c.enabled()).isFalse();
        assertThat(c.bridge()).isFalse();
        assertThat(c.duplicates()).isFalse();
        assertThat(c.retention()).isEqualTo(Duration.ofDays(30));
        assertThat(c.purgeSchedule()).isEqualTo("0 0 5 * * ?");
        assertThat(c.home()).isEqualTo(app.resolve("data"));
    }

    @Test
    void badValuesNameTheirKey() {
        assertThatThrownBy(() -> load("pipeline.cleanup.trash-retention-days=0\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("pipeline.cleanup.trash-retention-days: must be 1 or more");
        assertThatThrownBy(() -> load("pipeline.cleanup.purge-schedule=every night\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("pipeline.cleanup.purge-schedule: expected a Quartz cron expression");
        assertThatThrownBy(() -> load("pipeline.cleanup.poll-seconds=0\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("pipeline.cleanup.poll-seconds");
        assertThatThrownBy(() -> load("pipeline.cleanup.dry-run=maybe\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("pipeline.cleanup.dry-run");
    }
}
