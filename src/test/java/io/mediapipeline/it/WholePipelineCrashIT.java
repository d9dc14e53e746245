package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static io.mediapipeline.support.PipelineHome.sha;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ledger.Database;
import io.mediapipeline.media.SampleLibrary;
import io.mediapipeline.pixel.LoopbackPair;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every stage on at once (folder source, ingest and dedupe, organize, compress, Pixel delivery through a real
 * loopback Syncthing pair), the packaged jar killed with kill -9 at random moments, then one run to the end.
 * What must hold afterwards is what the product promises: each distinct photo or video exactly once in
 * originals/, the archive, compressed/ and on the phone, byte-identical, with one ledger row that says so;
 * each duplicate and each bad file recorded once; nothing half-written anywhere. The seed is printed
 * (replay with -Dcrash.seed=N).
 */
class WholePipelineCrashIT {

    private static final int KILLS = 5;

    @TempDir
    Path tmp;

    @Test
    void killedAtRandomMomentsTheWholeJobStillEndsWithEverythingExactlyOnce() throws Exception {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        System.out.println("WholePipelineCrashIT seed " + seed);
        Random random = new Random(seed);
        PipelineHome pipeline = new PipelineHome(tmp.resolve("p"));
        try (LoopbackPair pair = LoopbackPair.start(tmp.resolve("st"), pipeline.home().resolve("bridge/pixel"))) {
            pair.pipelineSettings().forEach(pipeline::set);
            pipeline.set("pipeline.target.pixel.confirm-poll-ms", "200")
                    .set("pipeline.target.pixel.confirm-max-backoff-seconds", "1")
                    .set("pipeline.target.pixel.once-wait-seconds", "60")
                    .set("pipeline.target.pixel.batch.max-files", "10")
                    // the test clips carry Live Photo content ids with no still: they wait this long, then go alone
                    .set("pipeline.target.pixel.live-pair-wait-seconds", "5")
                    .set("pipeline.compress.enabled", "true")
                    .set("pipeline.compress.video.preset", "ultrafast")
                    .set("pipeline.compress.parallelism", "2");
            Path lib = pipeline.library();
            Files.createDirectories(lib.resolve("sample"));
            Files.createDirectories(lib.resolve("extra"));
            SampleLibrary.Manifest manifest = SampleLibrary.generate(lib.resolve("sample"), "ffmpeg", "exiftool");
            Tools.photos(lib.resolve("extra"), "img", 30, "2022:03:04 10:00:00");
            CompressIT.clip(lib.resolve("extra"), "clip1.mov", 480, 270, 2, "2025:06:01 12:00:00", 0);
            CompressIT.clip(lib.resolve("extra"), "clip2.mov", 270, 480, 2, "2024:06:01 12:00:00", 90);

            Set<String> expected = new TreeSet<>();
            int duplicates = 0;
            int bad = 0;
            for (SampleLibrary.SampleFile f : manifest.files()) {
                switch (f.outcome()) {
                    case ARCHIVE -> expected.add(sha(lib.resolve("sample").resolve(f.path())));
                    case DUPLICATE -> duplicates++;
                    case QUARANTINE -> bad++;
                }
            }
            for (Path f : files(lib.resolve("extra"))) {
                expected.add(sha(f));
            }

            Path config = pipeline.config();
            for (int k = 1; k <= KILLS; k++) {
                Path log = tmp.resolve("run" + k + ".log");
                Process app = KillAndResumeIT.startApp(config, log);
                long delay = 1500 + random.nextInt(6000);
                boolean ended = app.waitFor(delay, TimeUnit.MILLISECONDS);
                KillAndResumeIT.killHard(app);
                System.out.printf("WholePipelineCrashIT kill %d after %d ms%s%n", k, delay, ended ? " (the run had ended)" : "");
            }
            long lastStart = System.nanoTime();
            Process last = KillAndResumeIT.startApp(config, tmp.resolve("last.log"));
            assertThat(last.waitFor(300, TimeUnit.SECONDS)).as("last run finished").isTrue();
            System.out.printf("WholePipelineCrashIT last run: %d s, exit %d%n",
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - lastStart), last.exitValue());
            Files.readAllLines(tmp.resolve("last.log")).stream()
                    .filter(l -> l.contains("Recovered") || l.contains("Run finished") || l.contains("ERROR"))
                    .forEach(l -> System.out.println("  last.log: " + l));
            // 3 when this run met the sample's bad files, 0 when a killed run already quarantined them
            assertThat(last.exitValue()).as("exit; log:\n" + Files.readString(tmp.resolve("last.log"))).isIn(0, 3);

            Path home = pipeline.home();
            assertThat(files(home.resolve("work"))).as("no queue or scratch file left").isEmpty();
            assertThat(files(home).stream().filter(p -> p.getFileName().toString().endsWith(".mp-tmp")))
                    .as("no temp file left").isEmpty();
            assertThat(shas(files(home.resolve("originals")))).as("originals: each content once").isEqualTo(expected);
            assertThat(files(home.resolve("originals"))).hasSize(expected.size());
            assertThat(shas(files(pipeline.sorted()))).as("archive: each content once").isEqualTo(expected);
            assertThat(files(pipeline.sorted())).hasSize(expected.size());
            assertThat(files(home.resolve("compressed"))).as("one compressed copy (or the original) each").hasSize(expected.size());
            List<Path> onPhone = files(pair.phoneFolder()).stream()
                    .filter(p -> !pair.phoneFolder().relativize(p).toString().startsWith(".")).toList();
            assertThat(shas(onPhone)).as("the phone has every original").isEqualTo(expected);
            assertThat(onPhone).as("and nothing twice").hasSize(expected.size());
            assertThat(files(home.resolve("duplicates"))).as("each duplicate set aside once").hasSize(duplicates);
            assertThat(files(home.resolve("quarantine")).stream().filter(p -> p.toString().endsWith(".reason.txt")))
                    .as("each bad file quarantined once").hasSize(bad);

            try (Database db = pipeline.openLedger()) {
                List<Map<String, Object>> rows = query(db, """
                        select m.sha256, m.status, m.original_path, m.archive_path, m.compressed_path, m.compress_decision,
                               (select count(*) from deliveries d where d.media_file_id = m.id and d.target = 'pixel'
                                   and d.state = 'confirmed') as confirmed
                          from media_files m""");
                Set<String> ledgerShas = rows.stream().map(r -> (String) r.get("sha256"))
                        .collect(Collectors.toCollection(TreeSet::new));
                assertThat(ledgerShas).isEqualTo(expected);
                assertThat(rows).hasSize(expected.size()).allSatisfy(r -> {
                    String what = (String) r.get("original_path");
                    assertThat(r.get("status")).as(what).isEqualTo("archived");
                    assertThat(sha(Path.of((String) r.get("original_path")))).as(what).isEqualTo(r.get("sha256"));
                    assertThat(sha(Path.of((String) r.get("archive_path")))).as(what).isEqualTo(r.get("sha256"));
                    assertThat(Path.of((String) r.get("compressed_path"))).as(what).isRegularFile();
                    assertThat(r.get("compress_decision")).as(what).isNotNull();
                    assertThat(((Number) r.get("confirmed")).intValue()).as(what + ": one confirmed Pixel delivery").isEqualTo(1);
                });
                assertThat(((Number) query(db, "select count(*) as n from duplicate_files").get(0).get("n")).intValue())
                        .as("each duplicate recorded once").isEqualTo(duplicates);
            }
        }
    }

    private static Set<String> shas(List<Path> files) {
        return files.stream().map(PipelineHome::sha).collect(Collectors.toCollection(TreeSet::new));
    }
}
