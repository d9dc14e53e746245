package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static io.mediapipeline.support.PipelineHome.sha;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at random moments while the compress stage works (encodes, the CRF ladder, metadata copy-back, the
 * gate, placing into compressed/, the ledger write), then one run to the end: every file decided exactly once,
 * compressed/ holds exactly one copy per file under its own name, each copy whole and as the ledger describes
 * it, and no scratch, queue or temp file is left. The seed is printed so a failure can be replayed
 * (-Dcrash.seed=N).
 */
class CompressCrashIT {

    private static final int KILLS = 4;

    @TempDir
    Path tmp;

    @Test
    void killedAtRandomMomentsTheStageStillEndsWithOneWholeCopyPerFile() throws Exception {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        System.out.println("CompressCrashIT seed " + seed);
        Random random = new Random(seed);
        PipelineHome pipeline = new PipelineHome(tmp)
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.compress.video.preset", "fast")
                .set("pipeline.compress.parallelism", "2");
        Path lib = pipeline.library();
        for (int i = 0; i < 3; i++) {
            CompressIT.clip(lib, "plain" + i + ".mov", 480, 270, 2, "2026:0" + (i + 1) + ":10 12:00:00", 0);
            // random cells: refused at CRF 28, so these go up the ladder (more moments to be killed in)
            CompressIT.clip(lib, "noisy" + i + ".mov", "life=mold=10:ratio=0.1:death_color=#C83232:life_color=#00ff00:",
                    320, 240, 2, "2026:0" + (i + 4) + ":10 12:00:00", 0);
        }
        Tools.run(lib, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x480:rate=1", "-frames:v", "2",
                "-q:v", "1", "photo%d.jpg");
        int total = 8;

        Path config = pipeline.config();
        int midEncode = 0;
        for (int k = 1; k <= KILLS; k++) {
            Path log = tmp.resolve("run" + k + ".log");
            Process app = KillAndResumeIT.startApp(config, log);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(log) || !Files.readString(log).contains("Compress stage working")) {
                if (!app.isAlive()) {
                    break; // it finished before the moment came: nothing left to interrupt
                }
                assertThat(System.nanoTime()).as("compress started (log: " + log + ")").isLessThan(deadline);
                Thread.sleep(20);
            }
            if (k % 2 == 0) {
                // every second kill aims at an encode: as soon as an x265 process runs (or the run ends)
                while (app.isAlive() && app.descendants().noneMatch(h -> h.info().commandLine().orElse("").contains("libx265"))) {
                    Thread.sleep(5);
                }
            } else {
                Thread.sleep(random.nextInt(2500));
            }
            boolean encoding = app.descendants().anyMatch(h -> h.info().commandLine().orElse("").contains("libx265"));
            midEncode += encoding ? 1 : 0;
            KillAndResumeIT.killHard(app);
            long decisions = Files.readAllLines(log).stream()
                    .filter(l -> l.contains("Compressor - Compressed") || l.contains("Compressor - Using the original")).count();
            System.out.printf("CompressCrashIT kill %d: %s, %d decision(s) logged before it%n", k,
                    encoding ? "during an x265 encode" : "between encodes", decisions);
        }
        assertThat(midEncode).as("at least one kill landed in the middle of an encode").isPositive();
        Process last = KillAndResumeIT.startApp(config, tmp.resolve("last.log"));
        assertThat(last.waitFor(240, TimeUnit.SECONDS)).as("last run finished").isTrue();
        assertThat(last.exitValue()).as("exit; log:\n" + Files.readString(tmp.resolve("last.log"))).isEqualTo(0);

        Path home = pipeline.home();
        assertThat(files(home.resolve("work"))).as("no queue or scratch file left").isEmpty();
        assertThat(files(home).stream().filter(p -> p.getFileName().toString().endsWith(".mp-tmp"))).isEmpty();
        List<Path> copies = files(home.resolve("compressed"));
        try (Database db = pipeline.openLedger()) {
            List<Map<String, Object>> rows = query(db, """
                    select original_name, original_path, compressed_path, compress_decision, compress_reason,
                           compressions, compressed_size, original_size, compress_failures from media_files""");
            assertThat(rows).hasSize(total);
            assertThat(copies).as("one copy per file, nothing orphaned").hasSize(total);
            assertThat(copies.stream().map(Path::toString).collect(Collectors.toSet()))
                    .isEqualTo(rows.stream().map(r -> (String) r.get("compressed_path")).collect(Collectors.toSet()));
            for (Map<String, Object> r : rows) {
                String name = (String) r.get("original_name");
                String decision = (String) r.get("compress_decision");
                assertThat(decision).as(name + ": " + r.get("compress_reason")).isIn("compressed", "original");
                assertThat(((Number) r.get("compress_failures")).intValue()).as(name + ": a kill is not a failure").isZero();
                Path copy = Path.of((String) r.get("compressed_path"));
                Path original = Path.of((String) r.get("original_path"));
                assertThat(Files.size(copy)).as(name).isEqualTo(((Number) r.get("compressed_size")).longValue());
                if (decision.equals("compressed")) {
                    assertThat(((Number) r.get("compressions")).intValue()).as(name + ": encoded once").isEqualTo(1);
                    assertThat(sha(copy)).isNotEqualTo(sha(original));
                    if (name.endsWith(".mov")) {
                        // whole: ffprobe reads an HEVC stream of the original's size
                        assertThat(CompressIT.codec(copy)).as(name).startsWith("hevc");
                        assertThat(CompressIT.size(copy)).as(name).isEqualTo(CompressIT.size(original));
                    }
                } else {
                    assertThat(sha(copy)).as(name + ": the original goes").isEqualTo(sha(original));
                }
            }
            Set<String> decided = Set.copyOf(rows.stream().map(r -> (String) r.get("compress_decision")).toList());
            assertThat(decided).as("the corpus exercises the gate both ways").contains("compressed");
        }
    }
}
