package io.mediapipeline.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pipeline.notify.*: the shipped defaults, tokens from the environment, and a bad setting refused with its key. */
class NotifyConfigTest {

    @TempDir
    Path app;

    private NotifyConfig load(String overrides, Map<String, String> env) throws Exception {
        Settings s = PipelineHome.loadSettings(app, overrides, env);
        return NotifyConfig.from(s);
    }

    @Test
    void offByDefaultWithTheDocumentedLimits() throws Exception {
        NotifyConfig c = load("", Map.of());
        assertThat(c.enabled()).isFalse();
        assertThat(c.channels()).isEmpty();
        assertThat(c.maxPerHour()).isEqualTo(6);
        assertThat(c.remind()).isEqualTo(Duration.ofHours(24));
        assertThat(c.failuresGroup()).isEqualTo(Duration.ofMinutes(60));
        assertThat(c.summarySchedule()).isEqualTo("0 0 8 * * ?");
        assertThat(c.telegram().baseUri()).isEqualTo("https://api.telegram.org");
    }

    @Test
    void tokensComeFromTheEnvironmentAndEveryChannelSetIsOn() throws Exception {
        NotifyConfig c = load("""
                pipeline.notify.enabled=true
                pipeline.notify.ntfy.url=https://ntfy.example/family-photos
                pipeline.notify.telegram.chat-id=-100123
                pipeline.notify.endpoint=log:notices
                """, Map.of("PIPELINE_NOTIFY_NTFY_TOKEN", "tk_abc", "PIPELINE_NOTIFY_TELEGRAM_TOKEN", "1:xyz"));
        assertThat(c.channels()).containsExactly("ntfy", "telegram", "endpoint");
        assertThat(c.ntfy().token()).isEqualTo("tk_abc");
        assertThat(c.telegram().token()).isEqualTo("1:xyz");
        assertThat(c.ntfy().tags()).isEqualTo(List.of("camera"));
    }

    @Test
    void aBadSettingIsRefusedNamingItsKeyAndNeverItsSecret() throws Exception {
        assertThatThrownBy(() -> load("pipeline.notify.enabled=true\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("no channel");
        assertThatThrownBy(() -> load("pipeline.notify.telegram.chat-id=42\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pipeline.notify.telegram.token");
        assertThatThrownBy(() -> load("pipeline.notify.ntfy.url=https://me:hunter2@ntfy.example/t\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pipeline.notify.ntfy.url")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> load("pipeline.notify.max-per-hour=0\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pipeline.notify.max-per-hour");
        assertThatThrownBy(() -> load("pipeline.notify.telegram.chat-id=my chat\n",
                Map.of("PIPELINE_NOTIFY_TELEGRAM_TOKEN", "1:xyz")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pipeline.notify.telegram.chat-id")
                .hasMessageNotContaining("1:xyz");
    }
}
