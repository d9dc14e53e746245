package io.mediapipeline.icloud.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.support.PipelineHome;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pipeline.target.icloud.*: the shipped defaults load, the target may be switched on, a bad value names its key. */
class UploadSettingsTest {

    private static final String P = "pipeline.target.icloud.";

    @TempDir
    Path app;

    private UploadConfig load(String overrides) throws Exception {
        return UploadConfig.from(PipelineHome.loadSettings(app, "pipeline.compress.enabled=true\n" + overrides, Map.of()));
    }

    @Test
    void theTargetCanBeSwitchedOnWithTheShippedDefaults() throws Exception {
        UploadConfig c = load(P + "enabled=true\n");
        assertThat(c.enabled()).isTrue();
        assertThat(c.setupUrl()).isEqualTo(URI.create("https://setup.icloud.com/setup/ws/1"));
        assertThat(c.accounts()).containsExactly("default");
        assertThat(c.parallelism()).isEqualTo(1);
        assertThat(c.proof().timeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(c.proof().downloadSharePercent()).isEqualTo(5);
        assertThat(c.localFilesAccount()).as("local files stay home by default").isNull();
        assertThat(c.sessionDir("default")).isEqualTo(app.resolve("data/state/icloud-upload/default"));
    }

    @Test
    void theTargetNeedsCompressionOnElseNothingWouldEverGoUp() throws Exception {
        UploadStage stage = new UploadStage();
        assertThatThrownBy(() -> stage.check(PipelineHome.loadSettings(app, P + "enabled=true\n", Map.of())))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith(P + "enabled=true needs pipeline.compress.enabled=true");
        stage.check(PipelineHome.loadSettings(app, P + "enabled=true\npipeline.compress.enabled=true\n", Map.of()));
        stage.check(PipelineHome.loadSettings(app, "", Map.of()));
    }

    @Test
    void localFilesGoToTheFirstAccountUnlessOneIsNamed() throws Exception {
        String two = "pipeline.source.icloud.accounts=anna,ben\n" + P + "local-files=true\n";
        assertThat(load(two).localFilesAccount()).isEqualTo("anna");
        assertThat(load(two + P + "local-files-account=ben\n").localFilesAccount()).isEqualTo("ben");
        assertThatThrownBy(() -> load(two + P + "local-files-account=carl\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining(P + "local-files-account").hasMessageContaining("carl");
    }

    @Test
    void badValuesNameTheirKey() {
        for (List<String> bad : List.of(List.of("parallelism", "3"), List.of("parallelism", "0"),
                List.of("batch.max-files", "0"), List.of("max-files-per-day", "x"),
                List.of("proof.download-share-percent", "101"), List.of("proof.poll-max-ms", "10"),
                List.of("setup-url", "ftp://setup.example/ws"), List.of("setup-url", "https://setup.example/ws?x=1"),
                List.of("setup-url", "http://setup.icloud.com/setup/ws/1"), List.of("setup-url", "http://127.example/ws"),
                List.of("max-attempts", "-1"), List.of("once-wait-seconds", "-5"))) {
            assertThatThrownBy(() -> load(P + bad.get(0) + "=" + bad.get(1) + "\n")).as(bad.toString())
                    .isInstanceOf(ConfigException.class).hasMessageStartingWith(P + bad.get(0));
        }
    }

    @Test
    void plainHttpIsForThisMachineOnly() throws Exception {
        assertThat(load(P + "setup-url=http://127.0.0.1:8123/setup/ws/1\n").setupUrl().getPort()).isEqualTo(8123);
        assertThat(load(P + "setup-url=http://localhost:8123/setup/ws/1\n").setupUrl().getHost()).isEqualTo("localhost");
        assertThatThrownBy(() -> load(P + "setup-url=http://192.168.1.5/setup/ws/1\n"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith(P + "setup-url").hasMessageContaining("http only");
    }
}
