package io.mediapipeline.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.media.Hasher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** While the guard is closed, no shared write path of FileStore writes, links, moves or deletes anything. */
class FileStoreGuardTest {

    @TempDir
    Path dir;

    @AfterEach
    void reopen() {
        FileStore.install(Guard.OPEN);
    }

    @Test
    void everyWritePathRefusesWhileClosedAndWorksOnceOpen() throws Exception {
        Path source = Files.writeString(dir.resolve("in.jpg"), "photo");
        String sha = Hasher.sha256(source);
        Path out = dir.resolve("out");
        FileStore.install(() -> Optional.of("the NAS marker /mnt/nas/.m is missing (is the NAS mounted?)"));

        assertThatThrownBy(() -> FileStore.place(source, out, "a.jpg", sha, FileStore.Mode.COPY))
                .isInstanceOf(GuardClosedException.class).hasMessageContaining("NAS marker");
        assertThatThrownBy(() -> FileStore.linkReplacing(source, out.resolve("b.jpg")))
                .isInstanceOf(GuardClosedException.class);
        assertThatThrownBy(() -> FileStore.linkOrCopyNew(source, out.resolve("c.jpg")))
                .isInstanceOf(GuardClosedException.class);
        assertThatThrownBy(() -> FileStore.moveNew(source, out, "d.jpg"))
                .isInstanceOf(GuardClosedException.class);
        assertThat(out).doesNotExist();
        assertThat(source).hasContent("photo");

        FileStore.install(Guard.OPEN);
        assertThat(FileStore.place(source, out, "a.jpg", sha, FileStore.Mode.COPY)).hasContent("photo");
    }

    @Test
    void aFailureIsAPauseWhenTheGuardRefusedOrIsClosedNow() {
        java.io.IOException unreadable = new java.io.IOException("Input/output error");
        assertThat(GuardClosedException.explains(unreadable)).as("an open guard: the file's own failure").isFalse();
        assertThat(GuardClosedException.explains(new RuntimeException("wrapped", new GuardClosedException("why"))))
                .isTrue();

        FileStore.install(() -> Optional.of("only 812 MiB free under /data (pipeline.guard.min-free-mb=1024)"));
        assertThat(GuardClosedException.explains(unreadable)).as("the NAS went away under the work").isTrue();
    }
}
