package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static io.mediapipeline.support.PipelineHome.sha;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ledger.Database;
import io.mediapipeline.demo.LoopbackPair;
import io.mediapipeline.demo.SampleLibrary;
import io.mediapipeline.support.Crash;
import io.mediapipeline.support.IcloudStandIn;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Every stage on at once (the iCloud source with the stand-in icloudpd, the folder source, ingest and dedupe,
 * organize, compress, Pixel delivery through a real loopback Syncthing pair), the packaged jar killed with kill -9
 * five times, each at a moment chosen from its observed progress (the iCloud hand-over, an encode, the organize
 * link, deliveries staged, a confirmation), then one run to the end. Where each kill landed is printed and asserted. What must hold afterwards is what the product
 * promises: each distinct photo or video exactly once in originals/, the archive, compressed/ and on the phone,
 * byte-identical, with one ledger row that says so; each duplicate and each bad file recorded once; nothing
 * half-written anywhere.
 */
class WholePipelineCrashIT {

    private static final String ICLOUD_USER = "crash@example.com";
    private static final int ICLOUD_FILES = 6;

    @TempDir
    Path tmp;

    @Test
    void killedMidHandoverEncodeOrganizeStagingAndConfirmTheWholeJobStillEndsWithEverythingExactlyOnce() throws Exception {
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
            // the iCloud source too (the stand-in icloudpd): `once` downloads first, then hands the files over
            IcloudStandIn icloud = new IcloudStandIn(tmp.resolve("icloud"));
            Path fromIcloud = Files.createDirectories(icloud.user(ICLOUD_USER).resolve("library/2021/09/10"));
            Tools.photos(fromIcloud, "IMG_", ICLOUD_FILES, "2021:09:10 18:00:00");
            pipeline.set("pipeline.source.icloud.enabled", "true")
                    .set("pipeline.source.icloud.username", ICLOUD_USER)
                    .set("pipeline.source.icloud.binary", icloud.binary().toString())
                    .set("pipeline.source.icloud.max-attempts-per-hour", "100");
            Map<String, String> env = Map.of("FAKE_ICLOUD", icloud.root().toString(),
                    "PIPELINE_SOURCE_ICLOUD_PASSWORD", "Crash-Pa55-w0rd");
            Path lib = pipeline.library();
            Files.createDirectories(lib.resolve("sample"));
            Files.createDirectories(lib.resolve("extra"));
            SampleLibrary.Manifest manifest = SampleLibrary.generate(lib.resolve("sample"), "ffmpeg", "exiftool");
            assertThat(manifest.contains("IMG_2001.HEIC")).as("the oracle has its HEIC: " + manifest.notes()).isTrue();
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
            for (Path f : files(fromIcloud)) {
                expected.add(sha(f));
            }

            Path config = pipeline.config();
            Path sorted = pipeline.sorted();
            int total = expected.size();
            // each kill waits for its moment in the work (the ledger read live, the process table, the disk)
            Path home = pipeline.home();
            // Each run is killed at the first of the moments not hit yet (the stages' relative speed depends on the
            // machine's load, so no fixed order would reach them all); the narrow link-to-row windows come first.
            List<Crash.Aim> aims = List.of(
                    new Crash.Aim("iCloud hand-over: a file linked into the inbox before its icloud_files row",
                            () -> Crash.linkedOut(home), (linked, first, s, app) -> linked > s.handedOver()),
                    new Crash.Aim("organize link: a file in sorted/ not yet recorded archived", () -> files(sorted).size(),
                            (inSorted, first, s, app) -> inSorted > s.archived()),
                    Crash.Aim.since("organize mid-way: files archived in this run, others not yet",
                            (first, s) -> s.archived() > first.archived() && s.archived() < total - 3),
                    Crash.Aim.since("Pixel: deliveries staged in this run, not confirmed",
                            (first, s) -> s.staged() > 0 && s.staged() + s.confirmed() > first.staged() + first.confirmed()),
                    Crash.Aim.since("Pixel confirm write: confirmed in this run, others still staged",
                            (first, s) -> s.confirmed() > first.confirmed() && s.staged() > 0),
                    Crash.Aim.of("an encode running", (s, app) -> Crash.running(app, "libx265")));
            List<Crash.Aim> pending = new ArrayList<>(aims);
            List<Crash.Landing> landings = new ArrayList<>();
            while (!pending.isEmpty() && landings.size() < aims.size()) {
                int k = landings.size() + 1;
                Process app = Crash.startOnce(config, tmp.resolve("run" + k + ".log"), env);
                Crash.Landing landing = Crash.killAtFirst(k, app, pipeline, pending);
                landings.add(landing);
                if (!landing.hit()) {
                    break; // the run got through its work without meeting any aim left
                }
                pending.removeIf(a -> a.name().equals(landing.aim()));
            }
            long hitWindows = landings.stream().filter(l -> !l.after().handedOverWithoutRow().isEmpty()
                    || !l.after().archivedWithoutRow().isEmpty() || !l.after().stagedWithoutRow().isEmpty()
                    || !l.after().compressedWithoutRow().isEmpty()).count();
            System.out.println("WholePipelineCrashIT: " + hitWindows + " kill(s) landed between a link and its ledger row");
            assertThat(landings).as("a kill mid-ingest and mid-organize: some files archived, some not")
                    .anySatisfy(l -> assertThat(l.after().stages().archived()).isPositive().isLessThan(total));
            assertThat(landings).as("a kill during an encode").anySatisfy(l -> assertThat(l.encoding()).isTrue());
            assertThat(landings).as("a kill with deliveries staged for the phone and not confirmed")
                    .anySatisfy(l -> assertThat(l.after().stages().staged()).isPositive());
            assertThat(landings).as("a kill between confirmations: some confirmed, others staged")
                    .anySatisfy(l -> {
                        assertThat(l.after().stages().confirmed()).isPositive();
                        assertThat(l.after().stages().staged()).isPositive();
                    });
            long lastStart = System.nanoTime();
            Process last = Crash.startOnce(config, tmp.resolve("last.log"), env);
            assertThat(last.waitFor(600, TimeUnit.SECONDS)).as("last run finished (a ceiling: a loaded machine is slow)").isTrue();
            System.out.printf("WholePipelineCrashIT last run: %d s, exit %d%n",
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - lastStart), last.exitValue());
            Files.readAllLines(tmp.resolve("last.log")).stream()
                    .filter(l -> l.contains("Recovered") || l.contains("Run finished") || l.contains("ERROR"))
                    .forEach(l -> System.out.println("  last.log: " + l));
            // 3 when this run met the sample's bad files, 0 when a killed run already quarantined them
            assertThat(last.exitValue()).as("exit; log:\n" + Files.readString(tmp.resolve("last.log"))).isIn(0, 3);

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
                assertThat(((Number) query(db, "select count(*) as n from duplicate_files where kind = 'exact'").get(0).get("n")).intValue())
                        .as("each duplicate recorded once").isEqualTo(duplicates);
            }
        }
    }

    private static Set<String> shas(List<Path> files) {
        return files.stream().map(PipelineHome::sha).collect(Collectors.toCollection(TreeSet::new));
    }
}
