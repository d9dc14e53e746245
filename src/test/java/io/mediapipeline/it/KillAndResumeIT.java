package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.Crash;
import io.mediapipeline.support.LiveLedger;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.RowHold;
import io.mediapipeline.support.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the packaged app in the middle of a 200-file import (triggered by the ledger: a quarter
 * ingested, organize running behind, a file linked into sorted/ before its row; where it landed is read back and
 * asserted), then `once`: every file ends up in the archive exactly once, the ledger agrees, and nothing is left
 * half-done.
 */
class KillAndResumeIT {

    private static final int FILES = 200;

    @TempDir
    Path tmp;

    @Test
    void killNineMidImportThenOnceAccountsForEveryFileExactlyOnce() throws Exception {
        // batches of 10, so a batch commit (not the whole import at once) is what the kill can land between
        PipelineHome pipeline = new PipelineHome(tmp).set("pipeline.ingest.parallelism", "2")
                .set("pipeline.ingest.batch-size", "10").set("pipeline.ingest.in-flight", "20");
        List<Path> inputs = Tools.photos(pipeline.library(), "img_", FILES, "2024:05:17 09:30:00");
        Set<String> inputShas = inputs.stream().map(PipelineHome::sha).collect(Collectors.toCollection(TreeSet::new));
        assertThat(inputShas).hasSize(FILES);
        Path config = pipeline.config();

        // killed once the import is well under way and organize runs behind it (some files archived, some not),
        // in the organize link's window: the rows waiting for organize are locked from here, so the next file it
        // links into sorted/ waits for its row there until the kill
        Process first = start(config, tmp.resolve("first.log"));
        Crash.Landing landing;
        try (RowHold hold = new RowHold(new LiveLedger(pipeline.home()))) {
            landing = Crash.killWhen(1, first, pipeline, new Crash.Aim("ingest and organize both mid-way, a file"
                    + " linked into sorted/ and its row not written yet", () -> files(pipeline.sorted()).size(),
                    (inSorted, firstRead, s, app) -> {
                        if (!hold.held() && s.media() >= FILES / 4 && s.archived() >= 10 && s.ingested() >= 5) {
                            hold.take("select id from media_files where status = 'ingested' for update", Set::of);
                            return false;
                        }
                        return hold.held() && inSorted > s.archived();
                    }, (inSorted, firstRead, s, app) -> hold.heldFor() > TimeUnit.MINUTES.toNanos(2)));
        }
        LiveLedger.Stages at = landing.after().stages();
        assertThat(landing.hit()).as(landing.toString()).isTrue();
        assertThat(at.media()).as("killed mid-ingest: " + landing).isLessThan(FILES);
        assertThat(at.archived()).as("killed mid-organize: some archived, some not: " + landing)
                .isPositive().isLessThan(at.media());
        assertThat(landing.after().archivedWithoutRow()).as("killed between the organize link and its ledger row: a"
                + " file in sorted/ the ledger did not name: " + landing).isNotEmpty();
        Path originals = pipeline.home().resolve("originals");

        Process second = start(config, tmp.resolve("second.log"));
        assertThat(second.waitFor(240, TimeUnit.SECONDS)).as("second run finished").isTrue();
        assertThat(second.exitValue()).as("second run exit code; log:\n" + Files.readString(tmp.resolve("second.log")))
                .isEqualTo(0);

        List<Path> archived = files(pipeline.sorted());
        assertThat(archived).hasSize(FILES);
        Set<String> archivedShas = archived.stream().map(PipelineHome::sha).collect(Collectors.toCollection(TreeSet::new));
        assertThat(archivedShas).isEqualTo(inputShas);
        assertThat(files(originals)).hasSize(FILES);
        assertThat(files(pipeline.home().resolve("duplicates"))).as("nothing doubled").isEmpty();
        assertThat(files(pipeline.home().resolve("quarantine"))).isEmpty();
        assertThat(files(pipeline.home().resolve("work"))).isEmpty();
        assertThat(files(pipeline.home()).stream().filter(p -> p.getFileName().toString().endsWith(".mp-tmp"))).isEmpty();
        try (Database db = pipeline.openLedger()) {
            List<Map<String, Object>> media = query(db, "select status, count(*) as n from media_files group by status");
            assertThat(media).singleElement().satisfies(r -> {
                assertThat(r.get("status")).isEqualTo("archived");
                assertThat(((Number) r.get("n")).intValue()).isEqualTo(FILES);
            });
            List<Map<String, Object>> sources = query(db, "select disposition, count(*) as n from source_files group by disposition");
            assertThat(sources).singleElement().satisfies(r -> {
                assertThat(r.get("disposition")).isEqualTo("imported");
                assertThat(((Number) r.get("n")).intValue()).isEqualTo(FILES);
            });
        }
    }

    static void killHard(Process app) throws Exception {
        Crash.killHard(app);
    }

    static Process startApp(Path config, Path log) throws IOException {
        return start(config, log);
    }

    private static Process start(Path config, Path log) throws IOException {
        return Crash.startOnce(config, log);
    }

}
