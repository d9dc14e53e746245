package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the packaged app in the middle of a 200-file import, then `once`: every file ends up
 * in the archive exactly once, the ledger agrees, and nothing is left half-done.
 */
class KillAndResumeIT {

    private static final int FILES = 200;

    @TempDir
    Path tmp;

    @Test
    void killNineMidImportThenOnceAccountsForEveryFileExactlyOnce() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp).set("pipeline.ingest.parallelism", "2");
        List<Path> inputs = Tools.photos(pipeline.library(), "img_", FILES, "2024:05:17 09:30:00");
        Set<String> inputShas = inputs.stream().map(PipelineHome::sha).collect(Collectors.toCollection(TreeSet::new));
        assertThat(inputShas).hasSize(FILES);
        Path config = pipeline.config();

        Process first = start(config, tmp.resolve("first.log"));
        Path originals = pipeline.home().resolve("originals");
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (files(originals).size() < FILES / 4) {
            assertThat(first.isAlive()).as("first run still running (log: first.log)").isTrue();
            assertThat(System.nanoTime()).as("import started within 120 s").isLessThan(deadline);
            Thread.sleep(50);
        }
        killHard(first);
        int importedAtKill = files(originals).size();
        assertThat(importedAtKill).as("killed mid-import").isLessThan(FILES);

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

    /**
     * kill -9 of the app (no shutdown hook runs); returns once it and every process it started are gone: the
     * embedded PostgreSQL and the tools follow it by pdeathsig, exiftool also ends with its pipes.
     */
    static void killHard(Process app) throws Exception {
        List<ProcessHandle> tree = new ArrayList<>(app.descendants().toList());
        app.destroyForcibly();
        assertThat(app.waitFor(30, TimeUnit.SECONDS)).as("killed").isTrue();
        for (ProcessHandle h : tree) {
            h.onExit().get(15, TimeUnit.SECONDS);
        }
    }

    static Process startApp(Path config, Path log) throws IOException {
        return start(config, log);
    }

    private static Process start(Path config, Path log) throws IOException {
        Path project = PipelineHome.projectDir();
        String jar = System.getProperty("pipeline.jar", project.resolve("target/media-pipeline.jar").toString());
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dpipeline.app-home=" + project, "-jar", jar, "once", "--config", config.toString());
        return new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
    }

    @SuppressWarnings("unused")
    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
