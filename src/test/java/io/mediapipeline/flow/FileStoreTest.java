package io.mediapipeline.flow;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.media.Hasher;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStoreTest {

    @TempDir
    Path dir;

    @Test
    void clashWithOtherContentGetsSuffixNeverOverwrite() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "first");
        Path b = Files.writeString(dir.resolve("b"), "second");
        Path out = dir.resolve("out");
        Path p1 = FileStore.place(a, out, "IMG_1.jpg", Hasher.sha256(a), FileStore.Mode.COPY);
        Path p2 = FileStore.place(b, out, "IMG_1.jpg", Hasher.sha256(b), FileStore.Mode.COPY);
        assertThat(p1.getFileName().toString()).isEqualTo("IMG_1.jpg");
        assertThat(p2.getFileName().toString()).isEqualTo("IMG_1_1.jpg");
        assertThat(Files.readString(p1)).isEqualTo("first");
        assertThat(Files.readString(p2)).isEqualTo("second");
    }

    @Test
    void samePlacementTwiceIsIdempotent() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "content");
        Path out = dir.resolve("out");
        Path p1 = FileStore.place(a, out, "x.jpg", Hasher.sha256(a), FileStore.Mode.COPY);
        Path p2 = FileStore.place(a, out, "x.jpg", Hasher.sha256(a), FileStore.Mode.COPY);
        assertThat(p2).isEqualTo(p1);
        try (var s = Files.list(out)) {
            assertThat(s.count()).isEqualTo(1);
        }
    }

    @Test
    void linkModeSharesTheInodeAndCopyModeDoesNot() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "content");
        Path linked = FileStore.place(a, dir.resolve("l"), "x", Hasher.sha256(a), FileStore.Mode.LINK_OR_COPY);
        Path copied = FileStore.place(a, dir.resolve("c"), "x", Hasher.sha256(a), FileStore.Mode.COPY);
        assertThat(Files.isSameFile(a, linked)).isTrue();
        assertThat(Files.isSameFile(a, copied)).isFalse();
    }

    @Test
    void namesAreMadeSafe() {
        assertThat(FileStore.safeName("a\nb.jpg")).isEqualTo("a_b.jpg");
        assertThat(FileStore.safeName(".hidden.jpg")).isEqualTo("_.hidden.jpg");
        assertThat(FileStore.safeName("Beach day – été.jpg")).isEqualTo("Beach day – été.jpg");
        assertThat(FileStore.safeName("x".repeat(300) + ".jpg")).endsWith(".jpg").hasSizeLessThanOrEqualTo(200);
    }

    @Test
    void tempFilesAreSwept() throws Exception {
        Files.createDirectories(dir.resolve("d"));
        Files.writeString(dir.resolve("d/.abc" + FileStore.TEMP_SUFFIX), "half");
        Files.writeString(dir.resolve("d/keep.jpg"), "whole");
        assertThat(FileStore.sweepTemps(dir)).isEqualTo(1);
        assertThat(dir.resolve("d/keep.jpg")).exists();
    }
}
