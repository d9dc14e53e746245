package io.mediapipeline.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stage as the application wires it: `once` with cleanup on binds its beans, recovers an interrupted move at
 * startup, waits for the pass, moves a verified file's leftover hand-off link to trash/ and reports it.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CleanupOnceTest {

    @TempDir
    Path tmp;

    @Test
    void onceCleansAVerifiedFileAndReportsIt() throws Exception {
        PipelineHome home = new PipelineHome(tmp).set("pipeline.cleanup.enabled", "true")
                .set("pipeline.cleanup.poll-seconds", "1");
        VerifiedFiles.File f;
        Path link;
        Path interrupted;
        try (Database db = home.openLedger()) {
            VerifiedFiles files = new VerifiedFiles(home.home(), db);
            f = files.verified("once.jpg");
            link = home.home().resolve("work/pixel/" + f.sha256() + ".jpg");
            Files.createDirectories(link.getParent());
            Files.createLink(link, f.original());
            // (work/pixel: no consumer reads it while the Pixel target is off)
            // a move into trash/ that a crash cut short after the rename
            var other = files.verified("cut-short.jpg");
            interrupted = home.home().resolve("trash/work/organize/" + other.sha256() + ".jpg");
            Files.createDirectories(interrupted.getParent());
            Files.createLink(interrupted, other.original());
            new CleanupLedger(db.dataSource()).trashing(other.id(), files.run.runId(), "work",
                    "work/organize/" + other.sha256() + ".jpg", home.home().relativize(interrupted).toString(), 1,
                    other.sha256(), "{}");
        }

        assertThat(home.once()).isZero();

        assertThat(link).doesNotExist();
        assertThat(home.home().resolve("trash/work/pixel/" + f.sha256() + ".jpg")).hasSameBinaryContentAs(f.original());
        assertThat(f.original()).exists();
        assertThat(f.archive()).exists();
        JsonNode cleanup = home.latestReport().get("cleanup");
        assertThat(cleanup.get("counts").get("trashed").asInt()).isEqualTo(2);
        try (Database db = home.openLedger()) {
            assertThat(PipelineHome.query(db, "select status from media_files where id = ?", f.id()).get(0))
                    .containsEntry("status", "cleaned");
            assertThat(PipelineHome.query(db, "select state, reason from local_removals where trash_path = ?",
                    home.home().relativize(interrupted).toString()).get(0)).containsEntry("state", "trashed");
        }
        assertThat(interrupted).exists();
    }
}
