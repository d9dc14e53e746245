package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.AppProcess;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A missing NAS marker stops every write and delete, across stages, and work resumes by itself: `once` refuses to
 * start, `run` waits for the marker, and a marker that vanishes while the service runs pauses the folder source,
 * the inbox (which keeps its file), ingest and organize, without counting anything against the files.
 */
class GuardIT {

    @TempDir
    Path tmp;

    @Test
    void aMissingMarkerStopsEveryWriteAndDeleteAndItsReturnResumesTheWork() throws Exception {
        Path marker = tmp.resolve("nas/.media-pipeline-mounted");
        PipelineHome pipeline = new PipelineHome(tmp).set("pipeline.guard.marker", marker.toString())
                .set("pipeline.guard.check-seconds", "1").set("pipeline.source.folder.poll-seconds", "1")
                .set("pipeline.source.inbox.poll-seconds", "1");

        assertThat(pipeline.once()).as("once with the NAS away exits 1").isEqualTo(1);
        assertThat(pipeline.home()).as("nothing created on the bare mount point").doesNotExist();

        Path log = tmp.resolve("service.log");
        Process app = AppProcess.start(pipeline.config(), log, Map.of());
        try {
            await("the service waits for the marker", () -> logHas(log, "Not starting yet: the NAS marker " + marker), log);
            assertThat(pipeline.home()).doesNotExist();
            Files.createDirectories(marker.getParent());
            Files.createFile(marker);
            await("started once the marker is there", () -> logHas(log, "Started (service)"), log);
            Tools.photos(pipeline.library(), "first_", 1, "2020:01:01 12:00:00");
            await("first photo archived", () -> files(pipeline.sorted()).size() == 1, log);

            Files.delete(marker);
            await("paused", () -> logHas(log, "Paused: the NAS marker " + marker + " is missing"), log);
            Tools.photos(pipeline.library(), "second_", 2, "2020:01:02 12:00:00");
            Path inboxPhoto = Tools.photos(Files.createDirectories(pipeline.home().resolve("inbox/phone")), "inbox_", 1,
                    "2020:01:03 12:00:00").get(0);
            Thread.sleep(5_000); // several polls and guard looks
            assertThat(files(pipeline.home().resolve("originals"))).as("nothing ingested while paused").hasSize(1);
            assertThat(files(pipeline.sorted())).hasSize(1);
            assertThat(files(pipeline.home().resolve("quarantine"))).isEmpty();
            assertThat(inboxPhoto).as("the inbox deletes nothing while paused").exists();

            Files.createFile(marker);
            await("all four archived after the marker came back", () -> files(pipeline.sorted()).size() == 4, log);
            await("the inbox file left after its ingest", () -> !Files.exists(inboxPhoto), log);
            assertThat(Files.readString(log)).contains("Resumed");
            await("the busy period's run report tells of the pause", () -> files(pipeline.home().resolve("reports"))
                    .stream().anyMatch(f -> fileHas(f, "paused: the NAS marker")), log);
        } finally {
            app.destroy();
            assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        try (Database db = pipeline.openLedger()) {
            assertThat(query(db, "select count(*) as n from source_files where failures > 0 or disposition = 'quarantined'")
                    .get(0).get("n")).as("a pause is never counted against a file").isEqualTo(0L);
            assertThat(query(db, "select message from pipeline_logs where stage = 'guard' order by id"))
                    .extracting(r -> (String) r.get("message"))
                    .anySatisfy(m -> assertThat(m).startsWith("paused: the NAS marker"))
                    .anySatisfy(m -> assertThat(m).startsWith("resumed after:"));
        }
    }

    private static boolean logHas(Path log, String text) {
        return fileHas(log, text);
    }

    private static boolean fileHas(Path file, String text) {
        try {
            return Files.readString(file).contains(text);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static void await(String what, BooleanSupplier condition, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what + "\nlog:\n" + Files.readString(log));
            }
            Thread.sleep(200);
        }
    }
}
