package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static io.mediapipeline.support.PipelineHome.sha;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.Application;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.IcloudStandIn;
import io.mediapipeline.support.AppProcess;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The iCloud source end to end with the stand-in icloudpd and the packaged app in service mode: the
 * schedule downloads, the files reach sorted/ with ledger rows (a Live Photo pair linked), a rerun
 * downloads nothing new, kill -9 in the middle of a file leaves no half file in the ledger and the next
 * start finishes it, and the password is in no command line, no log, no report and no ledger row.
 */
class IcloudDownloadIT {

    private static final String USER = "anna@example.com";
    private static final String PASSWORD = "S3cret-Pa55-7fq2Zk";

    @TempDir
    Path tmp;

    @Test
    void scheduledDownloadRerunKillMidFileAndNoPasswordAnywhere() throws Exception {
        IcloudStandIn icloud = new IcloudStandIn(tmp);
        Path library = icloud.user(USER).resolve("library");
        Path day = Files.createDirectories(library.resolve("2024/05/17"));
        Tools.photos(day, "IMG_", 3, "2024:05:17 09:30:00");
        // a Live Photo as icloudpd names it: IMG_0100.JPG + IMG_0100_HEVC.MOV, the MOV with its content identifier
        Tools.photos(day, "live", 1, "2024:05:17 10:00:00");
        Files.move(day.resolve("live0001.jpg"), day.resolve("IMG_0100.JPG"));
        Tools.run(day, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-t", "1",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "mov", "IMG_0100_HEVC.MOV");
        Tools.run(day, "exiftool", "-q", "-overwrite_original", "-Keys:ContentIdentifier=5C5E3A3B-0B6F-4A8E-9C1D-ABCDEF012345",
                "-QuickTime:CreateDate=2024:05:17 08:00:00", "IMG_0100_HEVC.MOV");
        icloud.marker(USER, "password", PASSWORD);

        PipelineHome pipeline = new PipelineHome(tmp)
                .set("pipeline.source.folder.enabled", "false")
                .set("pipeline.source.inbox.poll-seconds", "1")
                .set("pipeline.source.icloud.enabled", "true")
                .set("pipeline.source.icloud.username", USER)
                .set("pipeline.source.icloud.schedule", "0/2 * * * * ?")
                .set("pipeline.source.icloud.binary", icloud.binary().toString())
                .set("pipeline.source.icloud.retry-check-seconds", "1")
                .set("pipeline.source.icloud.max-attempts-per-hour", "100")
                .set("pipeline.source.icloud.stop-grace-seconds", "3");
        Path config = pipeline.config();
        Map<String, String> env = Map.of("FAKE_ICLOUD", icloud.root().toString(), "PIPELINE_SOURCE_ICLOUD_PASSWORD", PASSWORD);
        Path home = pipeline.home();
        Path mirror = home.resolve("icloud/default");

        try (IcloudStandIn.ProcWatcher watcher = new IcloudStandIn.ProcWatcher(PASSWORD, icloud.binary())) {
            // 1. the schedule downloads; everything reaches sorted/; later runs download nothing new
            icloud.marker(USER, "slow", "0.3"); // slow enough for the watcher to see icloudpd running
            Process app = AppProcess.start(config, tmp.resolve("first.log"), env);
            waitFor(app, tmp.resolve("first.log"), 120, () -> files(pipeline.sorted()).size() == 5);
            icloud.clear(USER, "slow");
            waitFor(app, tmp.resolve("first.log"), 30, () -> icloud.ends(USER, "download").size() >= 3);
            List<String> runs = icloud.ends(USER, "download");
            assertThat(runs.get(0)).contains("password=ok", "downloaded=5");
            assertThat(runs.subList(1, runs.size())).as("reruns download nothing new").allSatisfy(l ->
                    assertThat(l).contains("password=ok", "downloaded=0"));

            // 2. kill -9 while a new file is half written
            Files.copy(day.resolve("IMG_0001.jpg"), tmp.resolve("big.jpg"));
            Tools.run(tmp, "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2024:06:01 12:00:00", "big.jpg");
            icloud.marker(USER, "slow", "20");
            Path newDay = Files.createDirectories(library.resolve("2024/06/01"));
            Files.move(tmp.resolve("big.jpg"), newDay.resolve("IMG_0200.JPG"));
            Path part = mirror.resolve("2024/06/01/IMG_0200.JPG.part");
            waitFor(app, tmp.resolve("first.log"), 30, () -> Files.exists(part));
            Thread.sleep(1500); // some chunks written, far from done
            String started = icloud.invocations(USER).stream().filter(l -> l.contains(" start download "))
                    .reduce((a, b) -> b).orElseThrow();
            long pid = Long.parseLong(started.replaceAll(".* pid=(\\d+).*", "$1"));
            long worker = Long.parseLong(started.replaceAll(".* worker=(\\d+).*", "$1"));
            app.destroyForcibly();
            assertThat(app.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(ProcessHandle.of(pid).map(h -> {
                try {
                    h.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    return true;
                }
                return h.isAlive();
            }).orElse(false)).as("icloudpd's first process dies with the JVM (pdeathsig)").isFalse();
            assertThat(ProcessHandle.of(worker).map(ProcessHandle::isAlive).orElse(false))
                    .as("its worker is orphaned and keeps running, as the real one's does").isTrue();
            assertThat(part).as("the half file stays a .part").exists();
            assertThat(mirror.resolve("2024/06/01/IMG_0200.JPG")).doesNotExist();
            assertThat(files(home.resolve("inbox"))).noneMatch(p -> p.toString().contains("IMG_0200"));
            try (Stream<Path> leftovers = Files.list(home.resolve("state/icloud-tmp/default"))) {
                assertThat(leftovers.toList()).as("a killed icloudpd leaves its unpacked files in TMPDIR").isNotEmpty();
            }

            // 3. restart: the ledger never saw the half file; the next run downloads it whole
            try (Database db = pipeline.openLedger()) {
                assertThat(query(db, "select original_name from media_files where original_name like 'IMG_0200%' or original_name like '%.part'"))
                        .isEmpty();
            }
            icloud.clear(USER, "slow");
            app = AppProcess.start(config, tmp.resolve("second.log"), env);
            waitFor(app, tmp.resolve("second.log"), 120, () -> files(pipeline.sorted()).size() == 6);
            waitFor(app, tmp.resolve("second.log"), 30, () -> {
                try (Stream<Path> s = Files.list(home.resolve("state/icloud-tmp/default"))) {
                    return s.findAny().isEmpty();
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            // ended means gone or a zombie (an orphan's reaping by init is not ours to wait for)
            assertThat(io.mediapipeline.proc.ProcessTable.awaitNotRunning(worker, java.time.Duration.ofSeconds(10)))
                    .as("the restart ended what the killed run left running").isTrue();
            app.destroy(); // SIGTERM
            assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(app.exitValue()).isEqualTo(143);
            watcher.close();
            assertThat(watcher.standInSeen()).as("the watcher saw icloudpd itself running (the interpreter, not a wrapper)")
                    .anySatisfy(c -> assertThat(c).contains("python").contains(USER));
            assertThat(watcher.standInSeen()).allSatisfy(c -> assertThat(c).contains("--password-provider console")
                    .doesNotContain(" -p ").doesNotContain("--password "));
            assertThat(watcher.hits()).as("password in a command line or icloudpd's environment").isEmpty();
        }

        assertThat(files(mirror)).noneMatch(p -> p.toString().endsWith(".part"));
        assertThat(files(home.resolve("inbox"))).isEmpty();
        String bigSha = sha(library.resolve("2024/06/01/IMG_0200.JPG"));
        try (Database db = pipeline.openLedger()) {
            List<Map<String, Object>> media = query(db, "select original_name, sha256, status, kind, source from media_files order by original_name");
            assertThat(media).extracting(r -> r.get("original_name")).containsExactly(
                    "IMG_0001.jpg", "IMG_0002.jpg", "IMG_0003.jpg", "IMG_0100.JPG", "IMG_0100_HEVC.MOV", "IMG_0200.JPG");
            assertThat(media).allSatisfy(r -> {
                assertThat(r.get("status")).isEqualTo("archived");
                assertThat(r.get("source")).isEqualTo("icloud");
            });
            assertThat(media).filteredOn(r -> r.get("original_name").equals("IMG_0200.JPG"))
                    .singleElement().satisfies(r -> assertThat(r.get("sha256")).isEqualTo(bigSha));
            assertThat(query(db, "select count(*) as n from source_files where disposition <> 'imported'").get(0).get("n"))
                    .as("nothing duplicated or quarantined").isEqualTo(0L);
            // the Live Photo pair is linked both ways
            List<Map<String, Object>> pair = query(db, """
                    select a.original_name as a, b.original_name as b from media_files a join media_files b on a.live_pair_id = b.id
                     order by a.original_name""");
            assertThat(pair).extracting(r -> r.get("a") + "->" + r.get("b"))
                    .containsExactly("IMG_0100.JPG->IMG_0100_HEVC.MOV", "IMG_0100_HEVC.MOV->IMG_0100.JPG");
            List<Map<String, Object>> logs = query(db, "select level, message from pipeline_logs where stage = 'download-icloud' order by id");
            assertThat(logs).anySatisfy(r -> assertThat((String) r.get("message")).contains("success", "5 new file(s)"));
            assertThat(logs).allSatisfy(r -> assertThat((String) r.get("message")).doesNotContain(PASSWORD));
            assertThat(query(db, "select count(*) as n from pipeline_logs where message like ?", "%" + PASSWORD + "%").get(0).get("n"))
                    .isEqualTo(0L);
            assertThat(query(db, "select outcome from icloud_attempts where outcome is not null"))
                    .extracting(r -> r.get("outcome")).contains("success").doesNotContain("failed", "partial");
            assertThat(query(db, "select count(*) as n from icloud_attempts where outcome is null").get(0).get("n"))
                    .as("the run killed by kill -9 has no outcome, never a success").isEqualTo(1L);
        }
        for (Path log : List.of(tmp.resolve("first.log"), tmp.resolve("second.log"))) {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(text).as(log + " mentions icloudpd's output").contains("[icloudpd default]");
            assertThat(text).as("password in " + log).doesNotContain(PASSWORD);
        }
        assertThat(IcloudStandIn.filesContaining(home, PASSWORD)).as("password in a file under pipeline.home").isEmpty();
        assertThat(Files.getPosixFilePermissions(home.resolve("state/icloud-cookies/default")))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE,
                        java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE);
    }

    /** `once` downloads first, then ingests; a partial run says so, and the next run fetches what was missing. */
    @Test
    void onceDownloadsThenIngestsAndAPartialRunIsReportedAndCompletedNextTime() throws Exception {
        IcloudStandIn icloud = new IcloudStandIn(tmp);
        Path day = Files.createDirectories(icloud.user(USER).resolve("library/2022/08/09"));
        Tools.photos(day, "IMG_", 3, "2022:08:09 07:00:00");
        icloud.marker(USER, "partial", "");
        PipelineHome pipeline = new PipelineHome(tmp)
                .set("pipeline.source.folder.enabled", "false")
                .set("pipeline.source.icloud.enabled", "true")
                .set("pipeline.source.icloud.username", USER)
                .set("pipeline.source.icloud.binary", icloud.binary().toString());
        Path config = pipeline.config();
        Map<String, String> env = Map.of("FAKE_ICLOUD", icloud.root().toString(), "PIPELINE_SOURCE_ICLOUD_PASSWORD", PASSWORD);

        Process once = AppProcess.start("once", config, tmp.resolve("once1.log"), env);
        assertThat(once.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(once.exitValue()).as("a partial download is not all done; " + Files.readString(tmp.resolve("once1.log")))
                .isEqualTo(Application.EXIT_NOT_DONE);
        assertThat(files(pipeline.sorted())).hasSize(2);
        assertThat(Files.readString(tmp.resolve("once1.log"))).contains("iCloud default: partial")
                .contains("Could not download IMG_0002.jpg")
                .contains("Not all done (exit 4)").contains("iCloud default: download ended partial");

        icloud.clear(USER, "partial");
        // the next `once` (an operator's explicit run) does not wait for the failure backoff
        once = AppProcess.start("once", config, tmp.resolve("once2.log"), env);
        assertThat(once.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(once.exitValue()).as(Files.readString(tmp.resolve("once2.log"))).isEqualTo(Application.EXIT_OK);
        assertThat(files(pipeline.sorted())).hasSize(3);
        assertThat(icloud.ends(USER, "download")).extracting(l -> l.replaceAll(".*(downloaded=\\d+).*", "$1"))
                .containsExactly("downloaded=2", "downloaded=1");
        try (Database db = pipeline.openLedger()) {
            assertThat(query(db, "select kind, outcome from icloud_attempts order by id"))
                    .extracting(r -> r.get("kind") + ":" + r.get("outcome")).containsExactly("startup:partial", "startup:success");
            assertThat(query(db, "select level from pipeline_logs where stage = 'download-icloud' and message like '%partial%'"))
                    .extracting(r -> r.get("level")).containsExactly("warn");
        }
    }

    static void waitFor(Process app, Path log, int seconds, BooleanSupplier done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        while (!done.getAsBoolean()) {
            if (!app.isAlive() || System.nanoTime() > deadline) {
                app.destroyForcibly();
                throw new AssertionError((app.isAlive() ? "timed out" : "app ended") + "; log:\n" + Files.readString(log));
            }
            Thread.sleep(200);
        }
    }
}
