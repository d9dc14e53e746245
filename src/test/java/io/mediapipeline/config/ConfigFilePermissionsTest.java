package io.mediapipeline.config;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.mediapipeline.support.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A configuration file holding a secret that others can read is named in a warning, with the fix, never the value. */
class ConfigFilePermissionsTest {

    @TempDir
    Path app;

    private List<String> warningsLoading(String text, String mode) throws Exception {
        Path file = app.resolve("my.properties");
        Files.writeString(file, "pipeline.home=" + app.resolve("home") + "\n" + text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        try (LogCapture log = LogCapture.of("io.mediapipeline.config")) {
            Settings.load(app, file, Map.of(), new Properties());
            return log.messages(Level.WARN);
        }
    }

    @Test
    void secretBearingConfigFileReadableByOthersIsWarnedAbout() throws Exception {
        List<String> warnings = warningsLoading("pipeline.db.password=hunter2-Zq9\npipeline.target.pixel.api-key=abc-key-77\n", "rw-r--r--");
        assertThat(warnings).singleElement().satisfies(w -> assertThat(w)
                .contains(app.resolve("my.properties").toString()).contains("pipeline.db.password")
                .contains("pipeline.target.pixel.api-key").contains("chmod 600")
                .doesNotContain("hunter2-Zq9").doesNotContain("abc-key-77"));
    }

    @Test
    void privateOrSecretFreeConfigFileIsNotWarnedAbout() throws Exception {
        assertThat(warningsLoading("pipeline.db.password=hunter2-Zq9\n", "rw-------")).isEmpty();
        assertThat(warningsLoading("pipeline.db.password=\npipeline.organize.mode=copy\n", "rw-r--r--")).isEmpty();
    }
}
