package io.mediapipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

    @TempDir
    Path app;

    private Settings load(String overrides, Map<String, String> env) throws Exception {
        return PipelineHome.loadSettings(app, overrides, env);
    }

    @Test
    void defaultsResolveRelativeToAppHome() throws Exception {
        Settings s = load("", Map.of());
        assertThat(s.home()).isEqualTo(app.resolve("data"));
        assertThat(s.forCamel().getProperty("pipeline.source.folder.path")).isEqualTo(app.resolve("data/import").toString());
        assertThat(s.bool("pipeline.organize.enabled")).isTrue();
    }

    @Test
    void unknownKeyIsNamedWithASuggestion() {
        assertThatThrownBy(() -> load("pipeline.organise.mode=copy\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown setting pipeline.organise.mode")
                .hasMessageContaining("did you mean pipeline.organize.mode");
    }

    @Test
    void invalidValuesAreNamed() {
        assertThatThrownBy(() -> load("pipeline.ingest.parallelism=many\n", Map.of()))
                .hasMessageContaining("pipeline.ingest.parallelism").hasMessageContaining("many");
        assertThatThrownBy(() -> load("pipeline.organize.enabled=yes\n", Map.of()))
                .hasMessageContaining("pipeline.organize.enabled").hasMessageContaining("true or false");
        assertThatThrownBy(() -> load("pipeline.timezone=Mars/Olympus\n", Map.of()))
                .hasMessageContaining("pipeline.timezone");
        assertThatThrownBy(() -> load("pipeline.source.folder.enabled=true\npipeline.source.folder.path=/nope/nowhere\n", Map.of()))
                .hasMessageContaining("pipeline.source.folder.path").hasMessageContaining("/nope/nowhere");
        assertThatThrownBy(() -> load("pipeline.db.url=postgres://x\n", Map.of()))
                .hasMessageContaining("pipeline.db.url");
        assertThatThrownBy(() -> load("pipeline.errors.retry-delay-ms=0\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pipeline.errors.retry-delay-ms");
    }

    @Test
    void eachValueKnowsWhereItCameFromWithoutShowingIt() throws Exception {
        Settings s = load("pipeline.management.port=9001\n", Map.of("PIPELINE_MANAGEMENT_TOKEN", "t0ken-from-the-environment-0123456789abcdef"));
        assertThat(s.origin("pipeline.management.token")).isEqualTo("the environment variable PIPELINE_MANAGEMENT_TOKEN");
        assertThat(s.origin("pipeline.management.port")).isEqualTo(app.resolve("override.properties").toString());
        assertThat(s.origin("pipeline.management.host")).isEqualTo("the defaults");
    }

    @Test
    void environmentOverridesFilesAndSecretsAreMasked() throws Exception {
        Settings s = load("pipeline.db.password=fromfile\n", Map.of("PIPELINE_DB_PASSWORD", "s3cret", "PIPELINE_ORGANIZE_MODE", "copy"));
        assertThat(s.get("pipeline.db.password")).isEqualTo("s3cret");
        assertThat(s.get("pipeline.organize.mode")).isEqualTo("copy");
        assertThat(s.describe().get("pipeline.db.password")).isEqualTo("******");
        assertThat(s.describe().toString()).doesNotContain("s3cret");
    }
}
