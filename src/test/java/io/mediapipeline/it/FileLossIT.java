package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static io.mediapipeline.support.PipelineHome.sha;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import io.mediapipeline.Application;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.Crash;
import io.mediapipeline.support.LogCapture;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ways a file could be lost or multiplied, each tried on the real app: symbolic links in the source, a power cut
 * between the ledger commit and the new name reaching the disk, a quarantine copy that fails, originals edited
 * through one of their links, a file that changes while it is copied, and a file that never stops growing.
 */
class FileLossIT {

    @TempDir
    Path tmp;
    PipelineHome pipeline;
    Path lib;

    @BeforeEach
    void setUp() {
        pipeline = new PipelineHome(tmp).set("pipeline.ingest.parallelism", "1");
        lib = pipeline.library();
    }

    @Test
    void linkOutOfTheSourceIsNotFollowedAndReportedOnce() throws Exception {
        Set<String> own = shas(Tools.photos(lib, "own_", 2, "2023:05:01 10:00:00"));
        own.addAll(shas(Tools.photos(Files.createDirectories(lib.resolve("album")), "alb_", 1, "2023:05:02 10:00:00")));
        Path outside = Files.createDirectories(tmp.resolve("elsewhere"));
        Tools.photos(outside, "out_", 3, "2020:01:01 10:00:00");
        Path dirLink = Files.createSymbolicLink(lib.resolve("elsewhere"), outside);
        Path fileLink = Files.createSymbolicLink(lib.resolve("linked.jpg"), outside.resolve("out_0001.jpg"));

        assertThat(once()).isEqualTo(Application.EXIT_OK);
        assertThat(shas(originals())).as("exactly the folder's own photos").isEqualTo(own);
        assertThat(files(pipeline.home().resolve("duplicates"))).isEmpty();
        JsonNode report = pipeline.latestReport();
        assertThat(skipped(report)).as("each link reported, with why")
                .containsOnlyKeys(dirLink.toString(), fileLink.toString())
                .allSatisfy((path, why) -> assertThat(why).contains("symbolic link"));
        assertThat(report.get("counts").get("skipped").asInt()).isEqualTo(2);

        assertThat(once()).isEqualTo(Application.EXIT_OK);
        assertThat(pipeline.latestReport().get("files")).as("reported once, not on every run").isEmpty();
        try (Database db = pipeline.openLedger()) {
            assertThat(query(db, "select 1 from source_files where disposition = 'skipped'")).hasSize(2);
            assertThat(query(db, "select source_path from pipeline_logs where message like 'not imported: %symbolic link%'"))
                    .as("one log line per link over both runs").extracting(r -> r.get("source_path"))
                    .containsExactlyInAnyOrder(dirLink.toString(), fileLink.toString());
        }
    }

    @Test
    void loopAndSystemFolderLinksImportOnlyTheFoldersOwnPhotosQuickly() throws Exception {
        Set<String> own = shas(Tools.photos(lib, "own_", 2, "2022:03:03 10:00:00"));
        Path sub = Files.createDirectories(lib.resolve("sub"));
        own.addAll(shas(Tools.photos(sub, "sub_", 1, "2022:03:04 10:00:00")));
        Path loop = Files.createSymbolicLink(sub.resolve("loop"), Path.of(".."));
        Path usr = Files.createSymbolicLink(lib.resolve("usr"), Path.of("/usr"));
        // the inbox never takes a link either: linking it into originals/ would archive the link
        Path drop = Files.createDirectories(pipeline.home().resolve("inbox/drop"));
        Path inboxLink = Files.createSymbolicLink(drop.resolve("IMG_9.jpg"), lib.resolve("own_0001.jpg"));

        long started = System.nanoTime();
        assertThat(once()).isEqualTo(Application.EXIT_OK);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(shas(originals())).isEqualTo(own);
        assertThat(files(pipeline.home().resolve("duplicates"))).as("the loop multiplied nothing").isEmpty();
        assertThat(skipped(pipeline.latestReport())).containsOnlyKeys(loop.toString(), usr.toString(), inboxLink.toString());
        assertThat(originals()).noneMatch(Files::isSymbolicLink);
        assertThat(inboxLink).as("left where it is").isSymbolicLink();
        // following /usr took over five minutes; a slow CI start takes about one
        assertThat(took).as("nothing under /usr was read").isLessThan(Duration.ofSeconds(240));
    }

    @Test
    void loopAndUsrLinksImportOnlyTheFoldersOwnPhotosWithThePackagedJar() throws Exception {
        // as a new user starts it: the packaged jar as its own JVM (java -jar media-pipeline.jar once --config FILE)
        Set<String> own = shas(Tools.photos(lib, "IMG_", 3, "2024:06:01 10:00:00"));
        Path loop = Files.createSymbolicLink(lib.resolve("loop"), Path.of(".."));
        Path usr = Files.createSymbolicLink(lib.resolve("sys"), Path.of("/usr"));
        Path log = tmp.resolve("once.log");

        Process app = Crash.startOnce(pipeline.config(), log);
        boolean ended = app.waitFor(240, TimeUnit.SECONDS); // following /usr took over five minutes
        if (!ended) {
            Crash.killHard(app);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(ended).as("once ended; log:%n%s", out).isTrue();
        assertThat(app.exitValue()).as("all done; log:%n%s", out).isEqualTo(Application.EXIT_OK);
        assertThat(out).contains("Run complete: 3 imported, 0 duplicate(s), 0 quarantined, 2 skipped");
        assertThat(shas(originals())).as("exactly the folder's own photos").isEqualTo(own);
        assertThat(files(pipeline.home().resolve("duplicates"))).as("the loop multiplied nothing").isEmpty();
        assertThat(skipped(pipeline.latestReport())).containsOnlyKeys(loop.toString(), usr.toString())
                .allSatisfy((path, why) -> assertThat(why).contains("symbolic link").contains("not followed"));
    }

    @Test
    void linksInsideAllowedImportNothingTwiceAndLoopsEnd() throws Exception {
        pipeline.set("pipeline.source.folder.links", "inside").set("pipeline.source.folder.max-depth", "3");
        Set<String> expected = shas(Tools.photos(lib, "top_", 1, "2021:01:01 10:00:00"));
        Path album = Files.createDirectories(lib.resolve("album"));
        expected.addAll(shas(Tools.photos(album, "alb_", 1, "2021:01:02 10:00:00")));
        Path store = Files.createDirectories(lib.resolve(".store"));
        expected.addAll(shas(Tools.photos(store, "sto_", 1, "2021:01:03 10:00:00")));
        Path d3 = Files.createDirectories(lib.resolve("d1/d2/d3"));
        expected.addAll(shas(Tools.photos(d3, "ok_", 1, "2021:01:04 10:00:00")));
        Path tooDeep = Files.createDirectories(d3.resolve("d4"));
        Tools.photos(tooDeep, "deep_", 1, "2021:01:05 10:00:00");
        Path outside = Files.createDirectories(tmp.resolve("elsewhere"));
        Tools.photos(outside, "out_", 1, "2020:01:01 10:00:00");
        Files.createSymbolicLink(lib.resolve("album-link"), Path.of("album"));
        Files.createSymbolicLink(lib.resolve("store-link"), Path.of(".store"));
        Files.createSymbolicLink(lib.resolve("store-again"), Path.of(".store"));
        Files.createSymbolicLink(store.resolve("loop"), Path.of(".."));
        Path up = Files.createSymbolicLink(album.resolve("up"), Path.of("../.."));
        Path out = Files.createSymbolicLink(lib.resolve("out"), outside);

        assertThat(once()).isEqualTo(Application.EXIT_OK);
        assertThat(shas(originals())).as("each real photo once; the hidden folder through its link").isEqualTo(expected);
        assertThat(files(pipeline.home().resolve("duplicates"))).as("nothing imported twice").isEmpty();
        assertThat(skipped(pipeline.latestReport())).as("links leaving the folder and the folder too deep")
                .containsOnlyKeys(up.toString(), out.toString(), tooDeep.toString());
    }

    @Test
    void originalLostAfterCommitIsIngestedAgainNotDeleted() throws Exception {
        Path drop = Files.createDirectories(pipeline.home().resolve("inbox/drop"));
        Path input = Tools.photos(drop, "IMG_", 1, "2024:02:02 12:00:00").get(0);
        String sha = sha(input);
        Path kept = Files.copy(input, tmp.resolve("kept.jpg"), StandardCopyOption.COPY_ATTRIBUTES);
        assertThat(once()).isEqualTo(Application.EXIT_OK);
        Path original;
        try (Database db = pipeline.openLedger()) {
            original = Path.of((String) query(db, "select original_path from media_files where sha256 = ?", sha)
                    .get(0).get("original_path"));
        }
        assertThat(sha(original)).isEqualTo(sha);

        // what a power cut can leave: the ledger committed, the inbox file not deleted yet, the new name in originals/ gone
        Files.copy(kept, input, StandardCopyOption.COPY_ATTRIBUTES);
        Files.delete(original);
        assertThat(once()).isEqualTo(Application.EXIT_OK);

        assertThat(original).as("the input was ingested again, not let go").exists();
        assertThat(sha(original)).isEqualTo(sha);
        assertThat(mode(original)).isEqualTo("r--r--r--");
        try (Database db = pipeline.openLedger()) {
            assertThat(query(db, "select disposition, place from source_files")).singleElement().satisfies(row -> {
                assertThat(row.get("disposition")).isEqualTo("imported");
                assertThat(row.get("place")).isEqualTo(original.toString());
            });
            assertThat(query(db, "select detail from file_events where entity = 'source_file' and from_state = 'imported'"
                    + " and to_state = 'pending'")).singleElement()
                    .satisfies(e -> assertThat((String) e.get("detail")).contains(original.toString()).contains("missing"));
            assertThat(query(db, "select message from pipeline_logs where source_path = ?", input.toString()))
                    .anySatisfy(l -> assertThat((String) l.get("message")).contains("ingesting it again"));
        }
    }

    @Test
    void failedQuarantineCopyKeepsTheInputAndIsReported() throws Exception {
        Path quarantine = Files.createDirectories(pipeline.home().resolve("quarantine"));
        // a disk that is full for the copy but still takes the small reason file
        Tools.run(tmp, "mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", quarantine.toString()); // needs root
        boolean mounted = true;
        try {
            Path drop = Files.createDirectories(pipeline.home().resolve("inbox/drop"));
            Path bad = Files.writeString(drop.resolve("notes.jpg"), "not a photo\n".repeat(20_000), StandardCharsets.UTF_8);
            String sha = sha(bad);
            AtomicInteger rc = new AtomicInteger(-1);
            Thread runner = new Thread(() -> rc.set(onceUnchecked()));
            try (LogCapture log = LogCapture.of("io.mediapipeline.ingest.Quarantine")) {
                runner.start();
                await(Duration.ofSeconds(300), () -> logged(log, "notes.jpg"));
                Thread.sleep(3000); // the exchange is over: its consumer has kept or deleted the input
                assertThat(bad).as("the input stays where it is").exists();
                assertThat(files(quarantine)).as("no reason file without its copy").isEmpty();
            } finally {
                mounted = !unmount(quarantine);
            }
            // with room again, the file is quarantined by the running `once` or, if that ended with it pending, the next
            runner.join(Duration.ofSeconds(300).toMillis());
            assertThat(runner.isAlive()).as("once ended").isFalse();
            if (Files.exists(bad)) {
                assertThat(statuses(pipeline.latestReport())).containsEntry(bad.toString(), "pending");
                rc.set(once());
            }
            assertThat(rc.get()).isEqualTo(Application.EXIT_QUARANTINED);
            Path copy = quarantine.resolve(LocalDate.now().toString()).resolve("notes.jpg");
            assertThat(sha(copy)).as("quarantined once the disk had room again, with its copy").isEqualTo(sha);
            assertThat(bad).doesNotExist();
            try (Database db = pipeline.openLedger()) {
                assertThat(query(db, "select disposition, place from source_files")).singleElement().satisfies(row -> {
                    assertThat(row.get("disposition")).isEqualTo("quarantined");
                    assertThat(row.get("place")).isEqualTo(copy.toString());
                });
                assertThat(query(db, "select level, message from pipeline_logs where source_path = ?", bad.toString()))
                        .anySatisfy(l -> {
                            assertThat(l.get("level")).isEqualTo("error");
                            assertThat((String) l.get("message")).contains("could not be quarantined");
                        });
            }
        } finally {
            if (mounted) {
                unmount(quarantine);
            }
        }
    }

    @Test
    void originalsAreReadOnlyThroughEveryLink() throws Exception {
        pipeline.set("pipeline.compress.enabled", "true");
        List<Path> inputs = Tools.photos(lib, "IMG_", 1, "2023:08:08 08:00:00");
        Tools.run(lib, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", "drawing.png");
        inputs.add(lib.resolve("drawing.png"));
        // an original placed by an earlier version, writable
        Path earlier = Files.createDirectories(pipeline.home().resolve("originals/2001/01")).resolve("old.jpg");
        Files.copy(inputs.get(0), earlier);
        Files.setPosixFilePermissions(earlier, PosixFilePermissions.fromString("rw-r--r--"));

        assertThat(once()).isEqualTo(Application.EXIT_OK);
        assertThat(originals()).hasSize(3).allSatisfy(o -> assertThat(mode(o)).as(o.toString()).isEqualTo("r--r--r--"));
        assertThat(shas(originals())).as("nothing wrote into an original").containsAll(shas(inputs));
        assertThat(files(pipeline.sorted())).hasSize(2)
                .allSatisfy(s -> assertThat(mode(s)).as(s.toString()).isEqualTo("r--r--r--"));
        List<Path> linkedOriginals = new ArrayList<>();
        for (Path c : files(pipeline.home().resolve("compressed"))) {
            for (Path o : originals()) {
                if (Files.isSameFile(c, o)) {
                    linkedOriginals.add(c);
                }
            }
        }
        assertThat(linkedOriginals).as("the PNG goes out as its original").isNotEmpty()
                .allSatisfy(c -> assertThat(mode(c)).isEqualTo("r--r--r--"));
    }

    @Test
    void inputChangedAfterHashingIsNotRecordedAndTakenAgain() throws Exception {
        Tools.run(lib, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=15", "-t", "2",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", "clip.mp4");
        Path clip = lib.resolve("clip.mp4");
        // ffprobe runs between the hash and the copy: the first time, the clip's last frame changes under us
        Path probe = tmp.resolve("ffprobe-changing");
        Files.writeString(probe, """
                #!/bin/sh
                for f; do :; done
                case "$f" in *clip.mp4)
                  if [ ! -e "%1$s" ]; then
                    : > "%1$s"
                    printf 'changed!' | dd of="$f" bs=1 seek=$(( $(stat -c %%s "$f") - 600 )) conv=notrunc status=none
                  fi;;
                esac
                exec ffprobe "$@"
                """.formatted(tmp.resolve("changed-once")));
        Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("rwxr-xr-x"));
        pipeline.set("pipeline.tools.ffprobe", probe.toString()).set("pipeline.once.idle-seconds", "5");
        String before = sha(clip);

        assertThat(once()).isEqualTo(Application.EXIT_OK);
        String now = sha(clip);
        assertThat(now).as("the stand-in changed the clip").isNotEqualTo(before);
        assertThat(originals()).singleElement().satisfies(o -> assertThat(sha(o)).isEqualTo(now));
        try (Database db = pipeline.openLedger()) {
            assertThat(query(db, "select sha256 from media_files where status in ('ingested', 'archived')"))
                    .as("the ledger's hash is the kept file's hash").singleElement()
                    .satisfies(m -> assertThat(m.get("sha256")).isEqualTo(now));
            assertThat(query(db, "select message from pipeline_logs where source_path = ?", clip.toString()))
                    .anySatisfy(l -> assertThat((String) l.get("message")).contains("changed after it was hashed"));
        }
    }

    @Test
    void growingFileDoesNotHoldUpTheOtherFilesOfItsSource() throws Exception {
        // idle-seconds: `once` must still be running when the test starts writing
        pipeline.set("pipeline.ingest.stable-seconds", "3").set("pipeline.once.idle-seconds", "20");
        byte[] whole = Tools.datedJpeg(tmp, "big.jpg", "2022:02:02 12:00:00");
        List<Path> others = Tools.photos(Files.createDirectories(tmp.resolve("others")), "other_", 2, "2020:06:06 06:06:06");
        AtomicLong writerDone = new AtomicLong(Long.MAX_VALUE);
        Thread writer = Tools.slowWriter(lib.resolve("growing.jpg"), whole, 120, 150, () -> writerDone.set(System.nanoTime()));
        AtomicInteger rc = new AtomicInteger(-1);
        Thread runner = new Thread(() -> rc.set(onceUnchecked()));
        long othersIn;
        try (LogCapture log = LogCapture.of("io.mediapipeline.Application")) {
            runner.start();
            await(Duration.ofSeconds(300), () -> logged(log, "Started (once)"));
            writer.start();
            Thread.sleep(3000); // a scan has listed the growing file and waits on it
            for (Path p : others) {
                Files.move(p, lib.resolve(p.getFileName()));
            }
            await(Duration.ofSeconds(300), () -> originals().size() >= 2 || writerDone.get() != Long.MAX_VALUE);
            othersIn = System.nanoTime();
        } finally {
            writer.join();
            runner.join(Duration.ofSeconds(300).toMillis());
        }
        assertThat(othersIn).as("the other files were imported while the file was still growing")
                .isLessThan(writerDone.get());
        assertThat(rc.get()).isEqualTo(Application.EXIT_OK);
        assertThat(shas(originals())).as("the grown file whole, once it stopped growing")
                .contains(sha(tmp.resolve("big.jpg"))).hasSize(3);
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private int once() throws Exception {
        return pipeline.once();
    }

    private int onceUnchecked() {
        try {
            return once();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private List<Path> originals() {
        return files(pipeline.home().resolve("originals"));
    }

    private static Set<String> shas(List<Path> files) {
        return files.stream().map(PipelineHome::sha).collect(Collectors.toCollection(java.util.HashSet::new));
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    /** The report's skipped inputs: path -> reason. */
    private static Map<String, String> skipped(JsonNode report) {
        Map<String, String> out = new java.util.TreeMap<>();
        report.get("files").forEach(f -> {
            if (f.get("status").asText().equals("skipped")) {
                out.put(f.get("source").asText(), f.get("error").asText());
            }
        });
        return out;
    }

    /** The report's inputs: path -> status. */
    private static Map<String, String> statuses(JsonNode report) {
        Map<String, String> out = new java.util.TreeMap<>();
        report.get("files").forEach(f -> out.put(f.get("source").asText(), f.get("status").asText()));
        return out;
    }

    private static boolean logged(LogCapture log, String text) {
        try {
            return log.messages(Level.DEBUG).stream().anyMatch(m -> m.contains(text));
        } catch (java.util.ConcurrentModificationException e) {
            return false; // appended to while read: look again
        }
    }

    private static void await(Duration limit, BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited %s", limit).isLessThan(end);
            Thread.sleep(200);
        }
    }

    private static boolean unmount(Path dir) throws Exception {
        for (int i = 0; i < 20; i++) {
            try {
                Tools.run(dir.getParent(), "umount", dir.toString());
                return true;
            } catch (IllegalStateException busy) {
                Thread.sleep(250);
            }
        }
        return false;
    }
}
