package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static io.mediapipeline.support.PipelineHome.sha;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.Application;
import io.mediapipeline.demo.LoopbackPair;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.demo.LoopbackPair;
import io.mediapipeline.demo.SampleTags;
import io.mediapipeline.support.LiveLedger;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Pixel target against two real Syncthing 1.19.2 instances on loopback: the server's Send Only
 * folder over bridge/pixel/ and a stand-in phone's Receive Only folder. A delivery is confirmed only
 * when the phone really has the bytes, including while a frozen phone (SIGSTOP) still looks connected.
 */
class PixelDeliveryIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    LoopbackPair pair;

    @AfterEach
    void stopPair() throws Exception {
        if (pair != null) {
            pair.close();
        }
    }

    private PipelineHome pipeline() throws Exception {
        PipelineHome p = new PipelineHome(tmp.resolve("p"));
        pair = LoopbackPair.start(tmp.resolve("st"), p.home().resolve("bridge/pixel"));
        pair.pipelineSettings().forEach(p::set);
        p.set("pipeline.target.pixel.confirm-poll-ms", "200");
        p.set("pipeline.target.pixel.confirm-max-backoff-seconds", "1");
        return p;
    }

    private static int once(PipelineHome p) throws Exception {
        return p.once();
    }

    static double metric(String name) throws Exception {
        return PipelineHome.metric(name);
    }

    /** relative path on the phone -> sha256 */
    private Map<String, String> phoneFiles() {
        Path root = pair.phoneFolder();
        return files(root).stream().filter(f -> !root.relativize(f).toString().startsWith("."))
                .filter(f -> !f.getFileName().toString().startsWith("."))
                .collect(Collectors.toMap(f -> root.relativize(f).toString(), PipelineHome::sha, (a, b) -> a, TreeMap::new));
    }

    private Map<String, String> bridgeFiles(PipelineHome p) {
        Path root = p.home().resolve("bridge/pixel");
        return files(root).stream().filter(f -> !f.getFileName().toString().startsWith("."))
                .collect(Collectors.toMap(f -> root.relativize(f).toString(), PipelineHome::sha, (a, b) -> a, TreeMap::new));
    }

    @Test
    void stagedFilesArriveIdenticalAndAreConfirmedOnlyAfterArrival() throws Exception {
        PipelineHome p = pipeline().set("pipeline.target.pixel.batch.max-files", "4")
                .set("pipeline.target.pixel.batch.max-mb", "1")
                .set("pipeline.target.pixel.once-wait-seconds", "60");
        Tools.photos(p.library(), "img", 6, "2023:05:01 12:00:00");
        // two photos of ~0.9 MB each: with a 1 MiB cap no batch can hold both
        for (String name : List.of("noise1300.jpg", "noise1290.jpg")) {
            Tools.run(p.library(), "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "nullsrc=s=" + name.substring(5, 9)
                    + "x1000,geq=random(1)*255:128:128", "-frames:v", "1", "-q:v", "2", name);
            Tools.run(p.library(), "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2023:05:02 12:00:00", name);
        }

        // watch the ledger while the run goes: every confirmation must already be on the phone
        Set<String> violations = ConcurrentHashMap.newKeySet();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> {
            try {
                return once(p);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        int samples = 0;
        LiveLedger witness = new LiveLedger(p.home());
        while (!run.isDone()) {
            Thread.sleep(100);
            // every delivery the ledger calls confirmed must be on the phone, byte-identical, right now
            for (Map<String, Object> d : witness.rowsIfUp("select staged_path from deliveries where state = 'confirmed'")
                    .orElse(List.of())) {
                Path staged = Path.of((String) d.get("staged_path"));
                Path onPhone = pair.phoneFolder().resolve(p.home().resolve("bridge/pixel").relativize(staged));
                if (!Files.isRegularFile(onPhone) || !sha(onPhone).equals(sha(staged))) {
                    violations.add("confirmed before it was on the phone: " + staged);
                }
                samples++;
            }
        }
        witness.close();
        assertThat(run.get(120, TimeUnit.SECONDS)).isEqualTo(Application.EXIT_OK);
        assertThat(violations).isEmpty();
        assertThat(samples).as("the witness saw confirmations while the run went on").isPositive();

        Map<String, String> bridge = bridgeFiles(p);
        assertThat(bridge).hasSize(8);
        assertThat(phoneFiles()).as("the phone has every staged file, byte-identical").isEqualTo(bridge);
        Set<String> originals = files(p.home().resolve("originals")).stream().map(PipelineHome::sha).collect(Collectors.toSet());
        assertThat(Set.copyOf(bridge.values())).isEqualTo(originals);

        try (Database ledger = p.openLedger()) {
            List<Map<String, Object>> batches = query(ledger, "select name, status, file_count, total_bytes, scanned_at"
                    + " from batches where target = 'pixel' order by created_at");
            assertThat(batches).as("batches capped at 4 files and 1 MiB").hasSizeGreaterThanOrEqualTo(2).allSatisfy(b -> {
                assertThat((Integer) b.get("file_count")).isBetween(1, 4);
                assertThat((Long) b.get("total_bytes")).isLessThanOrEqualTo(1L << 20);
            });
            assertThat(batches.stream().mapToInt(b -> (Integer) b.get("file_count")).sum()).isEqualTo(8);
            assertThat(batches).allSatisfy(b -> {
                assertThat(b.get("status")).isEqualTo("confirmed");
                assertThat(b.get("scanned_at")).isNotNull();
            });
            List<Map<String, Object>> deliveries = query(ledger, """
                    select d.state, d.evidence::text as evidence, d.staged_path, d.confirmed_at, d.hold_until, d.created_at
                      from deliveries d where target = 'pixel'""");
            assertThat(deliveries).hasSize(8).allSatisfy(d -> {
                assertThat(d.get("state")).isEqualTo("confirmed");
                JsonNode ev = JSON.readTree((String) d.get("evidence"));
                assertThat(ev.path("device").asText()).isEqualTo(pair.phone().deviceId());
                assertThat(ev.path("availability").path("fromTemporary").asBoolean(true)).isFalse();
                assertThat(ev.path("connection").path("connected").asBoolean()).isTrue();
                assertThat(ev.path("global").path("size").asLong()).isEqualTo(Files.size(Path.of((String) d.get("staged_path"))));
                var confirmed = ((java.sql.Timestamp) d.get("confirmed_at")).toInstant();
                var hold = ((java.sql.Timestamp) d.get("hold_until")).toInstant();
                assertThat(Duration.between(confirmed, hold)).isEqualTo(Duration.ofDays(7));
            });
            assertThat(query(ledger, "select 1 from file_events where entity = 'delivery:pixel' and to_state = 'confirmed'"))
                    .hasSize(8);
        }
        assertThat(files(p.home().resolve("work/pixel"))).isEmpty();
        Path report;
        try (var reports = Files.list(p.home().resolve("reports"))) {
            report = reports.filter(f -> f.getFileName().toString().startsWith("run-")).findFirst().orElseThrow();
        }
        assertThat(JSON.readTree(report.toFile()).path("files")).hasSize(8)
                .allSatisfy(f -> assertThat(f.path("deliveries").path("pixel").asText()).isEqualTo("confirmed"));
        assertThat(metric("pixel.staged")).isEqualTo(8);
        assertThat(metric("pixel.confirmed")).isEqualTo(8);
        assertThat(metric("pixel.outstanding.files")).isZero();
        assertThat(metric("pixel.outstanding.bytes")).isZero();
        assertThat(metric("pixel.phone.connected")).isEqualTo(1);
    }

    @Test
    void pausedPhoneAndDeletedFileConfirmNothingAndRestartNeitherRestagesNorLoses() throws Exception {
        PipelineHome p = pipeline().set("pipeline.target.pixel.once-wait-seconds", "3");
        List<Path> photos = Tools.photos(p.library(), "pic", 5, "2022:02:02 10:00:00");
        pair.pausePhone();

        assertThat(once(p)).as("phone paused: nothing proven, not all done").isEqualTo(Application.EXIT_NOT_DONE);
        List<Path> reports = files(p.home().resolve("reports"));
        assertThat(Files.readString(reports.get(reports.size() - 1))).as("the report says why")
                .contains("\"notDone\"").contains("not connected").contains("paused");
        Map<String, String> bridge = bridgeFiles(p);
        assertThat(bridge).hasSize(5);
        assertThat(phoneFiles()).isEmpty();
        int batchesBefore;
        try (Database ledger = p.openLedger()) {
            batchesBefore = query(ledger, "select 1 from batches").size();
            assertThat(query(ledger, "select state, last_check from deliveries")).hasSize(5)
                    .allSatisfy(d -> assertThat(d.get("state")).isEqualTo("staged"));
            assertThat(query(ledger, "select message from pipeline_logs where stage = 'pixel' and level = 'warn'"))
                    .extracting(r -> (String) r.get("message")).anySatisfy(m -> assertThat(m).contains("not connected")
                            .contains("paused"));
        }
        assertThat(metric("pixel.failures.phone-offline")).isPositive();
        assertThat(metric("pixel.phone.connected")).isZero();
        assertThat(metric("pixel.staged")).isEqualTo(5);
        assertThat(metric("pixel.outstanding.files")).isEqualTo(5);
        assertThat(metric("pixel.outstanding.bytes")).isEqualTo(
                files(p.home().resolve("bridge/pixel")).stream().filter(f -> !f.getFileName().toString().startsWith("."))
                        .mapToLong(f -> f.toFile().length()).sum());

        // the phone comes back while the pipeline is not running; it receives everything
        pair.resumePhone();
        awaitPhoneHas(bridge.size());
        assertThat(phoneFiles()).isEqualTo(bridge);
        // ... and then loses one file locally (deleted on the phone, noticed by its scan)
        String deleted = bridge.keySet().iterator().next();
        Files.delete(pair.phoneFolder().resolve(deleted));
        pair.scanPhone();

        // a crash left two hand-offs behind (their deliveries exist): they must not be staged again
        for (Path original : files(p.home().resolve("originals")).subList(0, 2)) {
            String s = sha(original);
            String ext = original.getFileName().toString().replaceAll(".*\\.", "");
            Files.createDirectories(p.home().resolve("work/pixel"));
            Files.createLink(p.home().resolve("work/pixel/" + s + "." + ext), original);
        }
        assertThat(once(p)).as("one file missing on the phone: not all done").isEqualTo(Application.EXIT_NOT_DONE);
        assertThat(bridgeFiles(p)).as("nothing staged twice").isEqualTo(bridge);
        assertThat(files(p.home().resolve("work/pixel"))).isEmpty();
        try (Database ledger = p.openLedger()) {
            assertThat(query(ledger, "select count(*) as n from batches")).singleElement()
                    .satisfies(r -> assertThat(((Number) r.get("n")).intValue()).as("no new batch").isEqualTo(batchesBefore));
            List<Map<String, Object>> rows = query(ledger, "select state, staged_path, last_check from deliveries");
            assertThat(rows).hasSize(5);
            assertThat(rows).filteredOn(r -> ((String) r.get("staged_path")).endsWith(deleted))
                    .singleElement().satisfies(r -> {
                        assertThat(r.get("state")).as("deleted on the phone: not confirmed").isEqualTo("staged");
                        assertThat((String) r.get("last_check")).contains("not on the phone");
                    });
            assertThat(rows).filteredOn(r -> !((String) r.get("staged_path")).endsWith(deleted))
                    .hasSize(4).allSatisfy(r -> assertThat(r.get("state")).isEqualTo("confirmed"));
        }

        // the phone restores it (receive-only "revert"); the next run confirms it
        pair.rest(pair.phone(), "POST", "/rest/db/revert?folder=" + LoopbackPair.FOLDER_ID, null);
        awaitPhoneHas(bridge.size());
        assertThat(once(p)).isEqualTo(Application.EXIT_OK);
        try (Database ledger = p.openLedger()) {
            assertThat(query(ledger, "select state from deliveries")).hasSize(5)
                    .allSatisfy(r -> assertThat(r.get("state")).isEqualTo("confirmed"));
        }
        assertThat(phoneFiles()).isEqualTo(bridge);
        assertThat(photos).hasSize(5);
    }

    @Test
    void frozenPhoneThatStillLooksConnectedConfirmsNothingUntilItThaws() throws Exception {
        PipelineHome p = pipeline().set("pipeline.target.pixel.once-wait-seconds", "4");
        Tools.photos(p.library(), "frozen", 4, "2022:03:03 10:00:00");
        long phonePid = pair.phone().pid();
        Tools.run(tmp, "kill", "-STOP", String.valueOf(phonePid));
        try {
            assertThat(once(p)).as("frozen phone: nothing proven, not all done").isEqualTo(Application.EXIT_NOT_DONE);
            // the trap: Syncthing still reports the frozen phone as connected (for minutes)
            JsonNode connections = JSON.readTree(pair.rest(pair.server(), "GET", "/rest/system/connections", null));
            assertThat(connections.path("connections").path(pair.phone().deviceId()).path("connected").asBoolean())
                    .as("frozen phone still looks connected").isTrue();
            assertThat(bridgeFiles(p)).hasSize(4);
            assertThat(phoneFiles()).isEmpty();
            try (Database ledger = p.openLedger()) {
                assertThat(query(ledger, "select state from deliveries")).hasSize(4)
                        .allSatisfy(d -> assertThat(d.get("state")).as("nothing confirmed while frozen").isEqualTo("staged"));
            }
        } finally {
            Tools.run(tmp, "kill", "-CONT", String.valueOf(phonePid));
        }
        awaitPhoneHas(4);
        assertThat(once(p)).isEqualTo(Application.EXIT_OK);
        assertThat(phoneFiles()).isEqualTo(bridgeFiles(p));
        try (Database ledger = p.openLedger()) {
            assertThat(query(ledger, "select state from deliveries")).hasSize(4)
                    .allSatisfy(d -> assertThat(d.get("state")).isEqualTo("confirmed"));
        }
    }

    @Test
    void partialCopyOnThePhoneIsNeverConfirmed() throws Exception {
        PipelineHome p = pipeline().set("pipeline.target.pixel.once-wait-seconds", "100");
        // about 3 MB of noise: more than 10 blocks of 128 KiB, so Syncthing announces the temp copy
        Tools.run(p.library(), "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "nullsrc=s=2400x1800,geq=random(1)*255:128:128",
                "-frames:v", "1", "-q:v", "2", "big.jpg");
        Tools.run(p.library(), "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2021:06:06 06:06:06", "big.jpg");
        assertThat(Files.size(p.library().resolve("big.jpg"))).isGreaterThan(10L * 128 * 1024);
        // slow enough that the partial copy is on show for ~40 s: the confirmer (200 ms polls) must look at it, and
        // the phone has time to announce it (at 120 KB/s a loaded CI machine once saw no announcement in ~22 s)
        pair.limitPhone(75);

        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> {
            try {
                return once(p);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        SyncthingProbe probe = new SyncthingProbe(pair);
        boolean sawTemporary = false;
        boolean confirmerSawPartial = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(130);
        try (LiveLedger ledger = new LiveLedger(p.home())) {
            while (!run.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(100);
                // Ledger first, Syncthing second: a copy that is still partial now was partial when the ledger
                // was read, so nothing may have been confirmed by then. (The phone's disk is not compared here:
                // the phone renames the finished file before its index update reaches the server.)
                Optional<List<Map<String, Object>>> statesBefore = ledger.rowsIfUp("select state from deliveries");
                JsonNode avail = probe.availabilityOfOnlyFile();
                if (avail != null && avail.isArray() && avail.size() > 0 && avail.get(0).path("fromTemporary").asBoolean()) {
                    sawTemporary = true;
                    // the phone pulls only what was staged, and staging wrote the row: the read must have seen it
                    assertThat(statesBefore).as("the ledger was read while the file was being sent").isPresent();
                    assertThat(statesBefore.get()).as("a partial copy is not a delivery").singleElement()
                            .satisfies(d -> assertThat(d.get("state")).isEqualTo("staged"));
                    List<Map<String, Object>> checks = ledger.rows("select last_check from deliveries");
                    if (String.valueOf(checks.get(0).get("last_check")).contains("fromTemporary")) {
                        confirmerSawPartial = true;
                    }
                }
            }
        }
        assertThat(run.get(160, TimeUnit.SECONDS)).isEqualTo(Application.EXIT_OK);
        assertThat(sawTemporary).as("Syncthing announced the partial copy (fromTemporary)").isTrue();
        try (Database ledger = p.openLedger()) {
            // the confirmer saw the partial copy and did not take it for the file
            assertThat(query(ledger, "select state, evidence::text as ev, attempts from deliveries")).singleElement()
                    .satisfies(d -> {
                        assertThat(d.get("state")).isEqualTo("confirmed");
                        assertThat(JSON.readTree((String) d.get("ev")).path("availability").path("fromTemporary").asBoolean(true)).isFalse();
                    });
            assertThat(query(ledger, "select 1 from file_events where entity = 'delivery:pixel'")).hasSize(2);
        }
        assertThat(phoneFiles()).isEqualTo(bridgeFiles(p));
        assertThat(confirmerSawPartial).as("the confirmer looked at the partial copy and said so").isTrue();
    }

    @Test
    void wrongApiKeyAndStoppedSyncthingGiveClearMessagesAndConfirmNothing() throws Exception {
        PipelineHome p = pipeline().set("pipeline.target.pixel.once-wait-seconds", "2")
                .set("pipeline.target.pixel.api-key", "not-the-key");
        Tools.photos(p.library(), "k", 2, "2020:01:01 10:00:00");
        assertThat(once(p)).as("API key refused: not all done").isEqualTo(Application.EXIT_NOT_DONE);
        try (Database ledger = p.openLedger()) {
            assertThat(messages(ledger)).anySatisfy(m -> assertThat(m).contains("refused the API key").contains("HTTP 403")
                    .contains("pipeline.target.pixel.api-key").doesNotContain("not-the-key"));
            assertThat(query(ledger, "select state from deliveries")).hasSize(2)
                    .allSatisfy(d -> assertThat(d.get("state")).isEqualTo("staged"));
            assertThat(query(ledger, "select scan_error from batches")).singleElement()
                    .satisfies(b -> assertThat((String) b.get("scan_error")).contains("refused the API key"));
        }
        assertThat(metric("pixel.failures.forbidden")).isPositive();
        assertThat(metric("pixel.failures.unreachable")).isLessThanOrEqualTo(0);
        assertThat(metric("pixel.staged")).isEqualTo(2);
        assertThat(metric("pixel.confirmed")).isLessThanOrEqualTo(0);
        assertThat(metric("pixel.outstanding.files")).isEqualTo(2);

        p.set("pipeline.target.pixel.api-key", pair.server().apiKey()).set("pipeline.target.pixel.folder-id", "nope");
        assertThat(once(p)).as("no such folder: not all done").isEqualTo(Application.EXIT_NOT_DONE);
        try (Database ledger = p.openLedger()) {
            assertThat(messages(ledger)).anySatisfy(m -> assertThat(m).contains("no folder 'nope'"));
        }
        assertThat(metric("pixel.failures.folder-not-found")).isPositive();
        assertThat(metric("pixel.failures.forbidden")).as("a new run counts afresh").isLessThanOrEqualTo(0);

        // the folder marker gone (a NAS not mounted): Syncthing puts the folder in error
        p.set("pipeline.target.pixel.folder-id", LoopbackPair.FOLDER_ID);
        Files.delete(p.home().resolve("bridge/pixel/.stfolder"));
        assertThat(once(p)).as("folder in error: not all done").isEqualTo(Application.EXIT_NOT_DONE);
        try (Database ledger = p.openLedger()) {
            assertThat(messages(ledger)).anySatisfy(m -> assertThat(m).contains("Syncthing folder 'pixel' is in error")
                    .contains("folder marker missing").contains("mounted"));
            assertThat(query(ledger, "select state from deliveries"))
                    .allSatisfy(d -> assertThat(d.get("state")).isEqualTo("staged"));
        }
        assertThat(metric("pixel.failures.folder-error")).isPositive();

        pair.stop(pair.server());
        assertThat(once(p)).as("Syncthing down: not all done").isEqualTo(Application.EXIT_NOT_DONE);
        try (Database ledger = p.openLedger()) {
            assertThat(messages(ledger)).anySatisfy(m -> assertThat(m).contains("Syncthing is not reachable at "
                    + pair.server().url()).contains("is it running"));
            assertThat(query(ledger, "select state from deliveries"))
                    .allSatisfy(d -> assertThat(d.get("state")).isEqualTo("staged"));
        }
        assertThat(metric("pixel.failures.unreachable")).isPositive();
        assertThat(metric("pixel.outstanding.files")).isEqualTo(2);
        assertThat(phoneFiles()).isEmpty();
    }

    @Test
    void livePhotoHalvesGoToThePhoneInOneBatchEvenPastTheFileCap() throws Exception {
        // one file per batch: without the pair rule the photo and its video always land in different batches
        PipelineHome p = pipeline().set("pipeline.target.pixel.batch.max-files", "1")
                .set("pipeline.target.pixel.once-wait-seconds", "60")
                .set("pipeline.target.pixel.live-pair-wait-seconds", "30");
        Tools.photos(p.library(), "solo", 3, "2024:05:01 09:00:00");
        // the video shows up only after the photo was ingested (it would have been staged alone by then)
        Path later = Files.createDirectories(tmp.resolve("later"));
        String id = livePhoto(p.library(), later, "IMG_0200", "5C5E3A3B-0B6F-4A8E-9C1D-ABCDEF012345", "libx264");

        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> {
            try {
                return once(p);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (LiveLedger ledger = new LiveLedger(p.home())) {
            String photo = "select 1 from media_files where original_name = 'IMG_0200.JPG'";
            while (ledger.rowsIfUp(photo).map(List::isEmpty).orElse(true)) {
                assertThat(run).as("the run waits for the photo's other half").isNotDone();
                assertThat(System.nanoTime()).as("photo ingested within 60 s").isLessThan(deadline);
                Thread.sleep(100);
            }
            Thread.sleep(2500); // several staging polls go by
            assertThat(ledger.rows("select d.state from deliveries d join media_files m on m.id = d.media_file_id"
                    + " where m.original_name like 'solo%'")).as("other photos were staged meanwhile (so the read works)").isNotEmpty();
            assertThat(ledger.rows("select 1 from deliveries d join media_files m on m.id = d.media_file_id"
                    + " where m.original_name = 'IMG_0200.JPG'")).as("the lone half waits in work/pixel").isEmpty();
        }
        Files.move(later.resolve("IMG_0200.MOV"), p.library().resolve("IMG_0200.MOV"));
        assertThat(run.get(120, TimeUnit.SECONDS)).isEqualTo(Application.EXIT_OK);
        try (Database ledger = p.openLedger()) {
            List<Map<String, Object>> halves = query(ledger, """
                    select m.original_name, m.content_identifier, m.live_pair_id is not null as paired, m.archive_path,
                           d.state, d.staged_path, b.name as batch, b.file_count
                      from media_files m join deliveries d on d.media_file_id = m.id join batches b on b.id = d.batch_id
                     where m.original_name like 'IMG_0200.%' order by m.original_name""");
            assertThat(halves).hasSize(2).allSatisfy(h -> {
                assertThat(h.get("content_identifier")).as("both halves carry the identifier").isEqualTo(id);
                assertThat(h.get("paired")).isEqualTo(true);
                assertThat(h.get("state")).isEqualTo("confirmed");
                assertThat((Integer) h.get("file_count")).as("the pair's batch: cap 1 + the partner").isEqualTo(2);
            });
            assertThat(halves.get(0).get("batch")).as("photo and video in one batch").isEqualTo(halves.get(1).get("batch"));
            Path batchDir = p.home().resolve("bridge/pixel").resolve((String) halves.get(0).get("batch"));
            assertThat(halves).allSatisfy(h -> assertThat(Path.of((String) h.get("staged_path")).getParent()).isEqualTo(batchDir));
            // organize: the same day folder (photos/ and videos/ keep the same YYYY/MM/DD)
            Path sorted = p.home().resolve("sorted");
            assertThat(halves).extracting(h -> {
                Path rel = sorted.relativize(Path.of((String) h.get("archive_path")));
                return rel.subpath(1, rel.getNameCount() - 1).toString();
            }).containsOnly("2024/05/02");
            assertThat(query(ledger, "select file_count from batches where id not in (select d.batch_id from deliveries d"
                    + " join media_files m on m.id = d.media_file_id where m.original_name like 'IMG_0200.%')"))
                    .as("every other batch keeps its cap").hasSize(3).allSatisfy(b -> assertThat((Integer) b.get("file_count")).isEqualTo(1));
            assertThat(query(ledger, "select state from deliveries")).hasSize(5)
                    .allSatisfy(d -> assertThat(d.get("state")).isEqualTo("confirmed"));
        }
        Map<String, String> onPhone = phoneFiles();
        assertThat(onPhone).isEqualTo(bridgeFiles(p));
        assertThat(onPhone.keySet().stream().filter(k -> k.contains("IMG_0200.")).map(k -> Path.of(k).getParent()).distinct())
                .as("on the phone, too, in one folder").hasSize(1);
        assertThat(metric("pixel.staged")).isEqualTo(5);
        assertThat(metric("pixel.confirmed")).isEqualTo(5);
    }

    /**
     * A Live Photo: &lt;stem&gt;.JPG with Apple maker notes (MediaGroupUUID) in {@code library} + &lt;stem&gt;.MOV
     * (video codec {@code codec}) with the same content identifier in {@code movieDir}. Returns the identifier.
     */
    private String livePhoto(Path library, Path movieDir, String stem, String id, String codec) throws Exception {
        Tools.photos(library, stem + "-", 1, "2024:05:02 12:15:00");
        Files.move(library.resolve(stem + "-0001.jpg"), library.resolve(stem + ".JPG"));
        Path notes = Files.write(tmp.resolve(stem + "-makernotes.bin"), SampleTags.appleMakerNotes(id));
        Tools.run(library, "exiftool", "-q", "-overwrite_original", "-Make=Apple", "-Model=iPhone 12",
                "-MakerNotes<=" + notes, stem + ".JPG");
        Tools.run(movieDir, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-t", "1",
                "-c:v", codec, "-pix_fmt", "yuv420p", "-metadata", "creation_time=2024-05-02T10:15:00Z",
                "-metadata", "com.apple.quicktime.content.identifier=" + id, "-movflags", "use_metadata_tags",
                "-f", "mov", stem + ".MOV");
        return id;
    }

    @Test
    void withMotionPhotosALivePhotoReachesThePhoneAsOneMotionPhotoThatConfirmsBothHalves() throws Exception {
        PipelineHome p = pipeline().set("pipeline.target.pixel.motion-photos", "true")
                .set("pipeline.target.pixel.once-wait-seconds", "60")
                .set("pipeline.target.pixel.live-pair-wait-seconds", "30");
        Tools.photos(p.library(), "solo", 1, "2024:05:01 09:00:00");
        livePhoto(p.library(), p.library(), "IMG_0200", "5C5E3A3B-0B6F-4A8E-9C1D-ABCDEF012345", "libx264");
        // MPEG-4 Part 2 video is not one a Motion Photo may hold: this pair falls back to two files
        livePhoto(p.library(), p.library(), "IMG_0300", "7D6F4B4C-1C7A-4B9F-8D2E-BCDEF0123456", "mpeg4");

        assertThat(once(p)).isEqualTo(Application.EXIT_OK);

        Map<String, String> onPhone = phoneFiles();
        assertThat(onPhone).isEqualTo(bridgeFiles(p));
        assertThat(onPhone.keySet().stream().map(k -> Path.of(k).getFileName().toString()))
                .as("the pair is one file on the phone; the other photo and the pair that cannot be combined are themselves")
                .containsExactlyInAnyOrder("IMG_0200.MP.jpg", "solo0001.jpg", "IMG_0300.jpg", "IMG_0300.mov");
        String rel = onPhone.keySet().stream().filter(k -> k.endsWith("IMG_0200.MP.jpg")).findFirst().orElseThrow();
        Path motion = pair.phoneFolder().resolve(rel);
        JsonNode xmp = JSON.readTree(Tools.run(tmp, "exiftool", "-j", "-n", "-struct", "-XMP:all", motion.toString())).get(0);
        assertThat(xmp.path("MotionPhoto").asInt()).isEqualTo(1);
        long videoLength = xmp.path("Directory").get(1).path("Item").path("Length").asLong();
        byte[] all = Files.readAllBytes(motion);
        Path video = Files.write(tmp.resolve("embedded.mp4"), java.util.Arrays.copyOfRange(all, (int) (all.length - videoLength), all.length));
        assertThat(Tools.run(tmp, "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_type",
                "-of", "csv=p=0", video.toString()).strip()).as("the phone's copy carries the movie").isEqualTo("video");

        try (Database ledger = p.openLedger()) {
            List<Map<String, Object>> halves = query(ledger, """
                    select m.id, m.kind, m.sha256, m.archive_path, d.state, d.staged_path, d.staged_size, d.delivered_as,
                           d.delivered_sha256, d.delivered_with, d.evidence::text as evidence
                      from media_files m join deliveries d on d.media_file_id = m.id
                     where m.original_name like 'IMG_0200.%' order by m.kind""");
            assertThat(halves).hasSize(2).allSatisfy(h -> {
                assertThat(h.get("state")).as("confirmed by the Motion Photo's arrival").isEqualTo("confirmed");
                assertThat(Path.of((String) h.get("staged_path")).getFileName().toString()).isEqualTo("IMG_0200.MP.jpg");
                assertThat(h.get("staged_size")).isEqualTo(Files.size(motion));
                assertThat(h.get("delivered_as")).isEqualTo("motion-photo");
                assertThat(h.get("delivered_sha256")).isEqualTo(sha(motion));
                assertThat(JSON.readTree((String) h.get("evidence")).path("file").asText()).isEqualTo(rel);
                Path archived = Path.of((String) h.get("archive_path"));
                assertThat(sha(archived)).as("the archive keeps the original half").isEqualTo(h.get("sha256"));
            });
            assertThat(halves.get(0).get("staged_path")).isEqualTo(halves.get(1).get("staged_path"));
            assertThat(halves.get(0).get("delivered_with")).isEqualTo(halves.get(1).get("id"));
            assertThat(halves.get(1).get("delivered_with")).isEqualTo(halves.get(0).get("id"));
            assertThat(query(ledger, "select coalesce(sum(file_count), 0) as n from batches")).singleElement()
                    .satisfies(b -> assertThat(((Number) b.get("n")).intValue()).as("batches count files: the pair is one")
                            .isEqualTo(4));
            assertThat(query(ledger, """
                    select d.state, d.delivered_as from deliveries d join media_files m on m.id = d.media_file_id
                     where m.original_name like 'IMG_0300.%'""")).hasSize(2).allSatisfy(d -> {
                assertThat(d.get("state")).isEqualTo("confirmed");
                assertThat(d.get("delivered_as")).isEqualTo("original");
            });
            assertThat(query(ledger, "select message from pipeline_logs where stage = 'pixel-motion' and level = 'warn'"))
                    .extracting(r -> (String) r.get("message")).singleElement().satisfies(m -> assertThat(m).contains("IMG_0300.JPG")
                            .contains("IMG_0300.MOV").contains("mpeg4").contains("as they are"));
        }
        assertThat(metric("pixel.confirmed")).isEqualTo(5);
        assertThat(metric("pixel.outstanding.files")).isZero();
    }

    @Test
    void killNineMidStagingThenOnceStagesEachFileExactlyOnceAndConfirmsAll() throws Exception {
        // small batches so staging takes several polls and the kill lands in the middle of it
        PipelineHome p = pipeline().set("pipeline.target.pixel.batch.max-files", "4")
                .set("pipeline.target.pixel.once-wait-seconds", "60");
        List<Path> photos = Tools.photos(p.library(), "kill", 40, "2019:09:09 09:00:00");
        Path bridge = p.home().resolve("bridge/pixel");
        Path project = PipelineHome.projectDir();
        String jar = System.getProperty("pipeline.jar", project.resolve("target/media-pipeline.jar").toString());
        Process first = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dpipeline.app-home=" + project, "-jar", jar, "once", "--config", p.config().toString())
                .directory(project.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("first.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (bridgeFiles(p).size() < 10) {
            assertThat(first.isAlive()).as("first run still running (log: first.log)").isTrue();
            assertThat(System.nanoTime()).as("staging started within 120 s").isLessThan(deadline);
            Thread.sleep(20);
        }
        first.destroyForcibly(); // SIGKILL mid-staging
        first.waitFor(10, TimeUnit.SECONDS);
        int stagedAtKill = bridgeFiles(p).size();
        assertThat(stagedAtKill).as("killed mid-staging").isLessThan(photos.size());

        assertThat(once(p)).isEqualTo(Application.EXIT_OK);
        Map<String, String> staged = bridgeFiles(p);
        assertThat(staged).as("every photo staged exactly once").hasSize(photos.size());
        assertThat(Set.copyOf(staged.values())).hasSize(photos.size());
        assertThat(phoneFiles()).isEqualTo(staged);
        try (Database ledger = p.openLedger()) {
            assertThat(query(ledger, "select state from deliveries")).hasSize(photos.size())
                    .allSatisfy(d -> assertThat(d.get("state")).isEqualTo("confirmed"));
            assertThat(query(ledger, "select file_count from batches"))
                    .allSatisfy(b -> assertThat((Integer) b.get("file_count")).isBetween(1, 4));
            assertThat(query(ledger, "select 1 from batches where status <> 'confirmed'")).isEmpty();
        }
        assertThat(files(p.home()).stream().filter(f -> f.toString().endsWith(".mp-tmp"))).isEmpty();
    }

    @Test
    void doctorChecksSyncthingKeyFolderTypeAndSharing() throws Exception {
        PipelineHome p = pipeline();
        String out = doctor(p);
        assertThat(out).contains("OK    syncthing     v1.19.2").contains("API key accepted")
                .contains("OK    pixel folder  'pixel' is Send Only over " + p.home().resolve("bridge/pixel"))
                .contains("OK    pixel phone").contains("is connected now");

        pair.rest(pair.server(), "PATCH", "/rest/config/folders/" + LoopbackPair.FOLDER_ID, "{\"type\":\"sendreceive\"}");
        assertThat(doctor(p)).contains("FAIL  pixel folder  folder 'pixel' is sendreceive, not Send Only");

        p.set("pipeline.target.pixel.api-key", "wrong-key");
        out = doctor(p);
        assertThat(out).contains("FAIL  syncthing").contains("refused the API key").doesNotContain("wrong-key");

        p.set("pipeline.target.pixel.api-key", pair.server().apiKey());
        pair.stop(pair.server());
        assertThat(doctor(p)).contains("FAIL  syncthing").contains("not reachable");
    }

    private static String doctor(PipelineHome p) {
        java.io.PrintStream saved = System.out;
        var buffer = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(buffer, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            io.mediapipeline.cli.Doctor.run(() -> io.mediapipeline.Application.load(PipelineHome.projectDir(), p.config(),
                    System.getenv(), System.getProperties()));
        } finally {
            System.setOut(saved);
        }
        return buffer.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static List<String> messages(Database ledger) {
        return query(ledger, "select message from pipeline_logs where stage = 'pixel' order by id").stream()
                .map(r -> (String) r.get("message")).toList();
    }

    private void awaitPhoneHas(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (phoneFiles().size() < n && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(phoneFiles()).hasSize(n);
    }

    /** Reads the server's view directly, as the test's independent witness. */
    static final class SyncthingProbe {
        private final LoopbackPair pair;

        SyncthingProbe(LoopbackPair pair) {
            this.pair = pair;
        }

        JsonNode availabilityOfOnlyFile() throws Exception {
            List<Path> staged = files(pair.serverFolder()).stream()
                    .filter(f -> !f.getFileName().toString().startsWith(".")).toList();
            if (staged.size() != 1) {
                return null;
            }
            String rel = pair.serverFolder().relativize(staged.get(0)).toString();
            try {
                String body = pair.rest(pair.server(), "GET", "/rest/db/file?folder=" + LoopbackPair.FOLDER_ID + "&file="
                        + java.net.URLEncoder.encode(rel, java.nio.charset.StandardCharsets.UTF_8), null);
                return JSON.readTree(body).path("availability");
            } catch (java.io.IOException e) {
                return null; // not scanned yet
            }
        }
    }
}
