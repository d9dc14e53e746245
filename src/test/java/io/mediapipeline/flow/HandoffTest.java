package io.mediapipeline.flow;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `once` waits for: queued files of the stages after ingest, and what every tracked stage still counts. */
class HandoffTest {

    @TempDir
    Path work;

    @Test
    void aTrackedStageThatDoesNotFollowIngestCountsToo() throws Exception {
        Handoff handoff = new Handoff(work, List.of("organize"));
        Files.createDirectories(work.resolve("organize"));
        Files.writeString(work.resolve("organize").resolve("aa.jpg"), "x");
        Files.writeString(work.resolve("organize").resolve(".aa.jpg.mp-tmp"), "x");
        assertThat(handoff.pending()).isEqualTo(1);

        AtomicLong uploads = new AtomicLong(3);
        handoff.track("icloud-upload", new Handoff.StageState() {
            @Override
            public boolean holding() {
                return false;
            }

            @Override
            public long outstanding() {
                return uploads.get();
            }
        });
        assertThat(handoff.stagesAfterIngest()).containsExactly("organize");
        assertThat(handoff.pending()).isEqualTo(4);
        uploads.set(0);
        assertThat(handoff.pending()).isEqualTo(1);
    }
}
