package io.mediapipeline.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.flow.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaleTempsTest {

    @TempDir
    Path home;

    @Test
    void onlyTempFilesUnchangedSinceTheCutOffGoAndStateIsLeftAlone() throws Exception {
        Path temp = Files.createDirectories(home.resolve("originals/2024/05")).resolve(".x" + FileStore.TEMP_SUFFIX);
        Files.writeString(temp, "half a photo");
        Path photo = Files.writeString(temp.resolveSibling("photo.jpg"), "a photo");
        Path state = Files.createDirectories(home.resolve("state")).resolve(".y" + FileStore.TEMP_SUFFIX);
        Files.writeString(state, "not ours");
        assertThat(StaleTemps.sweep(home, Instant.now().minus(Duration.ofMinutes(2)))).as("still being written").isZero();
        assertThat(temp).exists();
        assertThat(StaleTemps.sweep(home, Instant.now().plusSeconds(1))).isEqualTo(1);
        assertThat(temp).doesNotExist();
        assertThat(photo).exists();
        assertThat(state).exists();
    }
}
