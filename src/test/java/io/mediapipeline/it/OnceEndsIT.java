package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static io.mediapipeline.support.PipelineHome.sha;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mediapipeline.Application;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inputs that could keep `once` from ever ending: each run must end and say what it left and why. */
class OnceEndsIT {

    private static final Duration LIMIT = Duration.ofSeconds(240);

    @TempDir
    Path tmp;
    PipelineHome pipeline;

    @BeforeEach
    void setUp() {
        pipeline = new PipelineHome(tmp).set("pipeline.ingest.parallelism", "1");
    }

    @Test
    void photoDatedInTheFutureIsSkippedWithItsReasonAndTakenOnceTouched() throws Exception {
        Path lib = pipeline.library();
        Path normal = Tools.photos(lib, "now_", 1, "2023:05:01 10:00:00").get(0);
        Path ahead = Tools.photos(lib, "ahead_", 1, "2023:05:02 10:00:00").get(0);
        Files.setLastModifiedTime(ahead, FileTime.from(Instant.now().plus(Duration.ofDays(1))));

        assertThat(onceWithin()).as("once ends, and says the dated-ahead photo is not in yet")
                .isEqualTo(Application.EXIT_NOT_DONE);
        assertThat(shas(originals())).as("the normal photo only").containsExactly(sha(normal));
        JsonNode report = pipeline.latestReport();
        assertThat(report.get("notDone")).anySatisfy(i -> assertThat(i.toString()).contains(ahead.toString()));
        assertThat(report.get("files")).anySatisfy(f -> {
            assertThat(f.get("source").asText()).isEqualTo(ahead.toString());
            assertThat(f.get("status").asText()).isEqualTo("skipped");
            assertThat(f.get("error").asText()).contains("modified in the future", "touch");
        });

        Files.setLastModifiedTime(ahead, FileTime.from(Instant.now())); // touch
        assertThat(onceWithin()).isEqualTo(Application.EXIT_OK);
        assertThat(shas(originals())).as("taken once its date is right").containsExactlyInAnyOrder(sha(normal), sha(ahead));
        assertThat(ahead).as("the source folder is only read").exists();
    }

    @Test
    void quarantineCopyThatKeepsFailingEndsOnceWithFourAndKeepsTheInput() throws Exception {
        pipeline.set("pipeline.ingest.max-attempts", "2");
        Path quarantine = Files.createDirectories(pipeline.home().resolve("quarantine"));
        // a disk too full for the copy, for the whole run
        Tools.run(tmp, "mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", quarantine.toString()); // needs root
        try {
            Path drop = Files.createDirectories(pipeline.home().resolve("inbox/drop"));
            Path bad = Files.writeString(drop.resolve("notes.jpg"), "not a photo\n".repeat(20_000), StandardCharsets.UTF_8);
            String sha = sha(bad);

            assertThat(onceWithin()).as("once ends, not all done").isEqualTo(Application.EXIT_NOT_DONE);
            assertThat(sha(bad)).as("the input stays where it is, whole").isEqualTo(sha);
            assertThat(files(quarantine)).as("nothing in quarantine without its copy").isEmpty();
            JsonNode report = pipeline.latestReport();
            assertThat(report.get("notDone")).as(report.toString()).anySatisfy(item -> {
                assertThat(item.get("what").asText()).isEqualTo(bad.toString());
                assertThat(item.get("why").asText()).contains("could not be quarantined", "not taken again until the next run");
            });
            try (Database db = pipeline.openLedger()) {
                assertThat(query(db, "select disposition, failures from source_files")).singleElement().satisfies(row -> {
                    assertThat(row.get("disposition")).as("never recorded as quarantined without a copy").isEqualTo("pending");
                    assertThat(row.get("failures")).isEqualTo(2);
                });
            }
        } finally {
            Tools.run(tmp, "umount", quarantine.toString());
        }
    }

    /** Runs `once`; a run that does not end within the limit fails the test instead of hanging it. */
    private int onceWithin() throws Exception {
        AtomicInteger rc = new AtomicInteger(-1);
        Thread runner = new Thread(() -> {
            try {
                rc.set(pipeline.once());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        runner.setDaemon(true);
        runner.start();
        runner.join(LIMIT.toMillis());
        assertThat(runner.isAlive()).as("once ended within %s", LIMIT).isFalse();
        return rc.get();
    }

    private java.util.List<Path> originals() {
        return files(pipeline.home().resolve("originals"));
    }

    private static Set<String> shas(java.util.List<Path> files) {
        return files.stream().map(PipelineHome::sha).collect(Collectors.toSet());
    }
}
