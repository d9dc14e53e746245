package io.mediapipeline.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EndMarkerTest {

    @TempDir
    Path dir;

    @Test
    void wholeFilesEndRightAndCutOnesDoNot() throws Exception {
        Tools.run(dir, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", "a.jpg");
        Tools.run(dir, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", "a.png");
        assertThat(EndMarker.complete(dir.resolve("a.jpg"), "jpeg")).isTrue();
        assertThat(EndMarker.complete(dir.resolve("a.png"), "png")).isTrue();
        for (String name : new String[] {"a.jpg", "a.png"}) {
            byte[] whole = Files.readAllBytes(dir.resolve(name));
            Path cut = Files.write(dir.resolve("cut-" + name), Arrays.copyOf(whole, whole.length - 7));
            assertThat(EndMarker.complete(cut, name.endsWith("jpg") ? "jpeg" : "png")).as(name).isFalse();
        }
        byte[] padded = Arrays.copyOf(Files.readAllBytes(dir.resolve("a.jpg")), (int) Files.size(dir.resolve("a.jpg")) + 16);
        assertThat(EndMarker.complete(Files.write(dir.resolve("padded.jpg"), padded), "jpeg")).isTrue();
        assertThat(EndMarker.complete(dir.resolve("a.jpg"), "heic")).as("other formats always get the full check").isFalse();
    }
}
