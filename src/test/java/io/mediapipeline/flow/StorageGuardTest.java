package io.mediapipeline.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guard's reasons: the NAS marker, the free space (through the test seam), and its settings. */
class StorageGuardTest {

    private static final long MIB = 1L << 20;

    @TempDir
    Path app;

    private GuardConfig config(String overrides) throws Exception {
        return GuardConfig.from(PipelineHome.loadSettings(app, overrides, Map.of()));
    }

    @Test
    void aMissingMarkerClosesTheGuardAndItsReturnOpensIt() throws Exception {
        Path marker = app.resolve("nas/.media-pipeline-mounted");
        StorageGuard guard = new StorageGuard(config("pipeline.guard.marker=" + marker + "\n"), () -> 10_000 * MIB);

        assertThat(guard.look().reason()).contains("the NAS marker " + marker + " is missing (is the NAS mounted?)");
        assertThatThrownBy(guard::require).isInstanceOf(GuardClosedException.class).hasMessageContaining(marker.toString());

        Files.createDirectories(marker.getParent());
        Files.createFile(marker);
        assertThat(guard.look().reason()).isEmpty();
        assertThat(guard.look().markerPresent()).isTrue();
    }

    @Test
    void aRelativeMarkerIsUnderPipelineHome() throws Exception {
        GuardConfig cfg = config("pipeline.guard.marker=.mounted\n");
        assertThat(cfg.marker()).contains(app.resolve("data/.mounted"));
        assertThat(config("").marker()).as("empty: no marker check").isEmpty();
    }

    @Test
    void shortSpaceClosesTheGuardWithTheNumbers() throws Exception {
        AtomicLong free = new AtomicLong(812 * MIB);
        StorageGuard guard = new StorageGuard(config("pipeline.guard.min-free-mb=1024\n"), free::get);

        assertThat(guard.look().reason()).contains("only 812 MiB free under " + app.resolve("data")
                + " (pipeline.guard.min-free-mb=1024)");
        free.set(1024 * MIB);
        assertThat(guard.look().reason()).isEmpty();
        free.set(-1);
        assertThat(guard.look().reason().orElseThrow()).contains("cannot be read");
    }

    @Test
    void noThresholdMeansNoSpaceCheck() throws Exception {
        StorageGuard guard = new StorageGuard(config("pipeline.guard.min-free-mb=0\n"), () -> 0);
        assertThat(guard.blocked()).isEmpty();
    }

    @Test
    void answersAreKeptForAMomentSoEveryWriteMayAsk() throws Exception {
        AtomicLong free = new AtomicLong(2048 * MIB);
        StorageGuard guard = new StorageGuard(config("pipeline.guard.min-free-mb=1024\n"), free::get);
        assertThat(guard.blocked()).isEmpty();
        free.set(0);
        assertThat(guard.blocked()).as("cached").isEmpty();
        assertThat(guard.look().reason()).as("a fresh look").isPresent();
        assertThat(guard.blocked()).isPresent();
    }

    @Test
    void realFreeSpaceIsReadFromTheNearestExistingFolder() throws Exception {
        StorageGuard guard = new StorageGuard(config("pipeline.guard.min-free-mb=1\n"));
        assertThat(guard.look().freeBytes()).isPositive(); // data/ does not exist yet
        assertThat(guard.look().reason()).isEqualTo(Optional.empty());
    }

    @Test
    void badValuesNameTheKey() {
        assertThatThrownBy(() -> config("pipeline.guard.check-seconds=0\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("pipeline.guard.check-seconds");
        assertThatThrownBy(() -> config("pipeline.guard.min-free-mb=-5\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("pipeline.guard.min-free-mb");
    }
}
