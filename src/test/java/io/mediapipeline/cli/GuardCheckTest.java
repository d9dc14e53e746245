package io.mediapipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.cli.IcloudUploadCheck.Level;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** doctor's guard lines: the marker's state with what to do, then the free space against the threshold. */
class GuardCheckTest {

    @TempDir
    Path app;

    @Test
    void aMissingMarkerFailsWithWhatToDoAndKeepsDoctorOffTheBareMountPoint() throws Exception {
        Path marker = app.resolve("nas/.media-pipeline-mounted");
        var settings = PipelineHome.loadSettings(app, "pipeline.guard.marker=" + marker + "\n", Map.of());

        var missing = GuardCheck.check(settings);
        assertThat(missing).singleElement().satisfies(f -> {
            assertThat(f.level()).isEqualTo(Level.FAIL);
            assertThat(f.detail()).contains(marker + " is missing");
            assertThat(f.fix()).contains("mount the NAS");
        });
        assertThat(GuardCheck.homeUsable(missing)).isFalse();

        Files.createDirectories(marker.getParent());
        Files.createFile(marker);
        var present = GuardCheck.check(settings);
        assertThat(present).extracting(IcloudUploadCheck.Finding::level).containsExactly(Level.OK, Level.OK);
        assertThat(present.get(1).detail()).contains("MiB free under", "pipeline.guard.min-free-mb=1024");
        assertThat(GuardCheck.homeUsable(present)).isTrue();
    }

    @Test
    void tooLittleSpaceFails() throws Exception {
        var settings = PipelineHome.loadSettings(app, "pipeline.guard.min-free-mb=2000000000\n", Map.of());
        assertThat(GuardCheck.check(settings)).last().satisfies(f -> {
            assertThat(f.level()).isEqualTo(Level.FAIL);
            assertThat(f.what()).isEqualTo("guard space");
        });
    }
}
