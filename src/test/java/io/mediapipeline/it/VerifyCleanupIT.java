package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static io.mediapipeline.support.PipelineHome.sha;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.Application;
import io.mediapipeline.demo.LoopbackPair;
import io.mediapipeline.fixture.FixtureLibrary;
import io.mediapipeline.fixture.IcloudFixture;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.QuickCleanup;
import io.mediapipeline.support.Tools;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verify and cleanup end to end: the app's `once` runs (every stage real) against two real Syncthing instances on
 * loopback, the phone's folder set to ignore deletes through its own REST config. While the phone is paused nothing
 * is verified or cleaned; once it has synced and the (shortened) hold has passed, exactly the verified files' bridge
 * copies go to trash/ and the phone keeps its copies; a file deleted on the phone after its confirmation and a file
 * whose sorted/ copy was corrupted are errors with their reasons, and neither is cleaned. Bit rot found later in a
 * cleaned file's sorted/ copy is restored by the scrub from the original, the damaged bytes kept aside.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class VerifyCleanupIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The hold after confirmation, shortened from 7 days to about 17 seconds. */
    private static final String HOLD_DAYS = "0.0002";

    @TempDir
    Path tmp;
    Path bridgeRoot;
    Map<String, Map<String, Object>> media;

    @Test
    void onlyProvenFilesAreCleanedAndThePhoneKeepsItsCopies() throws Exception {
        PipelineHome p = new PipelineHome(tmp.resolve("p"));
        Tools.photos(p.library(), "pic", 4, "2022:03:04 10:00:00");
        try (LoopbackPair pair = LoopbackPair.start(tmp.resolve("st"), p.home().resolve("bridge/pixel"))) {
            pair.pipelineSettings().forEach(p::set);
            p.set("pipeline.target.pixel.phone.url", pair.phone().url())
                    .set("pipeline.target.pixel.phone.api-key", pair.phone().apiKey())
                    .set("pipeline.target.pixel.hold-days", HOLD_DAYS)
                    .set("pipeline.target.pixel.batch.max-files", "1") // one batch per file: each is cleaned on its own
                    .set("pipeline.target.pixel.confirm-poll-ms", "200")
                    .set("pipeline.target.pixel.confirm-max-backoff-seconds", "1")
                    .set("pipeline.target.pixel.once-wait-seconds", "3")
                    .set("pipeline.organize.mode", "copy"); // sorted/ its own inode: corrupting it leaves the original
            QuickCleanup.on(p, pair);

            // 1. the phone is paused: everything is staged, nothing can be proven, so nothing is verified or cleaned
            pair.pausePhone();
            assertThat(p.once()).as("phone paused: not all done").isEqualTo(Application.EXIT_NOT_DONE);
            Map<String, String> bridge = bridgeFiles(p);
            assertThat(bridge).hasSize(4);
            assertThat(phoneFiles(pair)).isEmpty();
            bridgeRoot = p.home().resolve("bridge/pixel");
            try (Database db = p.openLedger()) {
                media = byName(db);
                assertThat(media.values()).hasSize(4).allSatisfy(f -> assertThat(f.get("status")).isEqualTo("archived"));
                assertThat(query(db, "select 1 from local_removals")).as("no removal, not even planned").isEmpty();
                // the next look was set a minute ahead (recheck-minutes); the test moves the clock to it
                query(db, "update media_files set verify_after = null returning id");
            }
            assertThat(files(p.home().resolve("trash"))).isEmpty();
            List<String> names = List.copyOf(media.keySet());
            String deletedOnPhone = names.get(2);
            String corrupted = names.get(3);

            // 2. a sorted/ copy goes bad; the phone comes back and receives everything; its hold starts
            Path sortedCopy = Path.of((String) media.get(corrupted).get("archive_path"));
            flipAByte(sortedCopy);
            pair.resumePhone();
            p.set("pipeline.target.pixel.once-wait-seconds", "60");
            p.once();
            Instant holdEnds;
            try (Database db = p.openLedger()) {
                assertThat(query(db, "select state from deliveries where target = 'pixel'")).hasSize(4)
                        .allSatisfy(d -> assertThat(d.get("state")).isEqualTo("confirmed"));
                Map<String, Map<String, Object>> now = byName(db);
                assertThat(now.get(corrupted)).containsEntry("status", "error");
                assertThat((String) now.get(corrupted).get("error")).as("the reason names the bad copy")
                        .contains("archive copy").contains(p.home().relativize(sortedCopy).toString());
                for (String n : names.subList(0, 3)) {
                    assertThat(now.get(n)).as(n + " waits for its hold").containsEntry("status", "archived");
                    assertThat(now.get(n).get("verify_check")).as("why it waits").isNotNull();
                }
                holdEnds = query(db, "select max(hold_until) as t from deliveries").stream()
                        .map(r -> ((Timestamp) r.get("t")).toInstant()).findFirst().orElseThrow();
                assertThat(query(db, "select 1 from local_removals")).isEmpty();
                // a file confirmed after verify's pass was given a look a minute ahead: the clock moves to it
                query(db, "update media_files set verify_after = null where status = 'archived' returning id");
            }
            assertThat(p.latestReport().toString()).as("the run report names the bad copy")
                    .contains(p.home().relativize(sortedCopy).toString());
            assertThat(files(p.home().resolve("trash"))).as("held: nothing cleaned yet").isEmpty();
            assertThat(phoneFiles(pair)).isEqualTo(bridge);

            // 3. after its confirmation, one file is deleted on the phone; then the hold passes
            Files.delete(pair.phoneFolder().resolve(relOf(deletedOnPhone)));
            pair.scanPhone();
            await("the server learns the phone lost " + deletedOnPhone, () -> !available(pair, relOf(deletedOnPhone)));
            long wait = holdEnds.toEpochMilli() - System.currentTimeMillis() + 500;
            if (wait > 0) {
                Thread.sleep(wait);
            }
            p.once();

            // exactly the two proven files were cleaned: their bridge copies are in trash/, byte for byte
            try (Database db = p.openLedger()) {
                Map<String, Map<String, Object>> end = byName(db);
                for (String n : names.subList(0, 2)) {
                    assertThat(end.get(n)).as(n).containsEntry("status", "cleaned");
                    assertThat(end.get(n).get("verified_at")).isNotNull();
                }
                assertThat(end.get(deletedOnPhone)).containsEntry("status", "error");
                assertThat((String) end.get(deletedOnPhone).get("error")).as("the reason says the phone lost it")
                        .contains("pixel").contains("no longer has it");
                assertThat(end.get(corrupted)).containsEntry("status", "error");
                List<Map<String, Object>> removals = query(db,
                        "select m.original_name, r.kind, r.path, r.trash_path, r.state, r.sha256, r.proof::text as proof"
                                + " from local_removals r join media_files m on m.id = r.media_file_id order by 1");
                assertThat(removals).extracting(r -> r.get("original_name")).containsExactlyElementsOf(names.subList(0, 2));
                assertThat(removals).allSatisfy(r -> {
                    assertThat(r).containsEntry("kind", "bridge").containsEntry("state", "trashed");
                    assertThat((String) r.get("proof")).contains("verif");
                    Path inTrash = p.home().resolve((String) r.get("trash_path"));
                    assertThat(inTrash).startsWith(p.home().resolve("trash/bridge/pixel"));
                    assertThat(sha(inTrash)).isEqualTo(r.get("sha256"));
                });
                assertThat(query(db, "select 1 from file_events e join media_files m on m.id = e.media_file_id"
                        + " where e.to_state = 'verified' and e.evidence is not null")).hasSize(2);
            }
            Map<String, String> trash = files(p.home().resolve("trash")).stream()
                    .collect(Collectors.toMap(f -> p.home().resolve("trash/bridge/pixel").relativize(f).toString(),
                            PipelineHome::sha, (a, b) -> a, TreeMap::new));
            Map<String, String> cleaned = new TreeMap<>(bridge);
            cleaned.keySet().retainAll(List.of(relOf(names.get(0)), relOf(names.get(1))));
            assertThat(trash).as("exactly the verified files' bridge copies are in trash/").isEqualTo(cleaned);
            Map<String, String> left = new TreeMap<>(bridge);
            left.keySet().removeAll(cleaned.keySet());
            assertThat(bridgeFiles(p)).as("the unproven files' bridge copies stay").isEqualTo(left);

            // the server's Syncthing sees the removals; the phone, ignoring deletes, keeps its copies
            pair.server().client().scan(LoopbackPair.FOLDER_ID);
            for (String n : names.subList(0, 2)) {
                await("the server announces the removal of " + n, () -> file(pair, relOf(n)).path("global").path("deleted")
                        .asBoolean());
            }
            Thread.sleep(2000); // the phone has had the announcement; ignoring deletes, it changes nothing
            Map<String, String> onPhone = new TreeMap<>(bridge);
            onPhone.remove(relOf(deletedOnPhone));
            assertThat(phoneFiles(pair)).isEqualTo(onPhone);

            // 4. later, bit rot in a cleaned file's sorted/ copy: the scrub finds it and restores it from the original
            Path rotten = Path.of((String) media.get(names.get(0)).get("archive_path"));
            String good = sha(rotten);
            flipAByte(rotten);
            p.set("pipeline.scrub.enabled", "true").set("pipeline.scrub.schedule", "* * * * * ?")
                    .set("pipeline.scrub.cycle-days", "1").set("pipeline.once.idle-seconds", "5");
            p.once();
            assertThat(sha(rotten)).as("restored byte for byte").isEqualTo(good);
            try (Database db = p.openLedger()) {
                assertThat(query(db, "select path, kind, state, set_aside_path from scrub_findings"))
                        .filteredOn(f -> ((String) f.get("path")).endsWith(p.home().relativize(rotten).toString()))
                        .singleElement().satisfies(f -> {
                            assertThat(f).containsEntry("kind", "changed").containsEntry("state", "restored");
                            Path aside = Path.of((String) f.get("set_aside_path"));
                            assertThat(sha(aside.isAbsolute() ? aside : p.home().resolve(aside)))
                                    .as("the damaged bytes are kept").isNotEqualTo(good);
                        });
                assertThat(byName(db).get(names.get(0))).as("still cleaned").containsEntry("status", "cleaned");
            }
        }
    }

    /**
     * The iCloud original (on the round trip's fixture server) is removed by cleanup only for the file whose every
     * proof holds: archive copy verified and its compressed copy confirmed in iCloud. Not for the file whose sorted/
     * copy went bad, nor for the file whose upload was refused.
     */
    @Test
    void theIcloudOriginalGoesOnlyWhenEveryProofHolds() throws Exception {
        String user = "ida.berg@example.com";
        PipelineHome p = new PipelineHome(tmp.resolve("i"))
                .set("pipeline.source.folder.enabled", "false")
                .set("pipeline.source.inbox.poll-seconds", "1")
                .set("pipeline.source.icloud.username", user)
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.timezone", "UTC")
                .set("pipeline.organize.mode", "copy")
                .set("pipeline.target.icloud.enabled", "true")
                .set("pipeline.target.icloud.poll-seconds", "1")
                .set("pipeline.target.icloud.proof.poll-initial-ms", "100")
                .set("pipeline.target.icloud.proof.poll-max-ms", "500")
                .set("pipeline.target.icloud.proof.timeout-seconds", "30")
                .set("pipeline.target.icloud.once-wait-seconds", "60")
                .set("pipeline.target.icloud.removal.enabled", "true")
                .set("pipeline.target.icloud.removal.dry-run", "false")
                .set("pipeline.verify.enabled", "false") // the first run delivers; the second verifies and cleans
                .set("pipeline.verify.poll-seconds", "1")
                .set("pipeline.cleanup.enabled", "true")
                .set("pipeline.cleanup.poll-seconds", "1")
                .set("pipeline.scrub.enabled", "false");
        Path inbox = Files.createDirectories(p.home().resolve("inbox/icloud/default/2024/05/17"));
        Path made = Files.createDirectories(tmp.resolve("made"));
        Map<String, byte[]> originals = new TreeMap<>();
        for (int i = 1; i <= 3; i++) {
            String name = "IMG_010" + i + ".JPG";
            Tools.run(made, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=" + (640 + 16 * i) + "x480",
                    "-frames:v", "1", "-q:v", "2", name);
            Tools.run(made, "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2024:05:17 09:3" + i + ":00", name);
            originals.put(name, Files.readAllBytes(made.resolve(name)));
            Files.move(made.resolve(name), inbox.resolve(name)); // whole, as icloudpd hands a file over
        }
        try (IcloudFixture fixture = new IcloudFixture()) {
            fixture.writeSession(p.home().resolve("state/icloud-cookies/default"), user);
            Map<String, FixtureLibrary.Asset> inIcloud = new TreeMap<>();
            int i = 1;
            for (var o : originals.entrySet()) {
                inIcloud.put(o.getKey(), fixture.seedOriginal(o.getKey(), o.getValue(),
                        Instant.parse("2024-05-17T09:3" + i++ + ":00Z")));
            }
            fixture.faults().rejectPutAsset(400, false, 1); // one upload is refused for good: its copy is never proven
            p.set("pipeline.target.icloud.setup-url", fixture.setupUrl().toString());

            p.once();
            String refused;
            String corrupted;
            String proven;
            try (Database db = p.openLedger()) {
                Map<String, Object> states = query(db, "select m.original_name, d.state from media_files m"
                        + " join deliveries d on d.media_file_id = m.id and d.target = 'icloud'").stream()
                        .collect(Collectors.toMap(r -> (String) r.get("original_name"), r -> r.get("state")));
                assertThat(states).hasSize(3);
                refused = states.entrySet().stream().filter(e -> !"confirmed".equals(e.getValue())).map(Map.Entry::getKey)
                        .findFirst().orElseThrow(() -> new AssertionError("the refused upload was confirmed: " + states));
                List<String> confirmed = states.keySet().stream().filter(n -> !n.equals(refused)).sorted().toList();
                assertThat(confirmed).hasSize(2).allSatisfy(n -> assertThat(states.get(n)).isEqualTo("confirmed"));
                proven = confirmed.get(0);
                corrupted = confirmed.get(1);
                flipAByte(Path.of((String) query(db, "select archive_path from media_files where original_name = ?",
                        corrupted).get(0).get("archive_path")));
            }
            assertThat(fixture.library(user).assets()).noneMatch(FixtureLibrary.Asset::deleted);

            p.set("pipeline.verify.enabled", "true");
            p.once();

            try (Database db = p.openLedger()) {
                Map<String, Map<String, Object>> end = query(db, "select original_name, status, error from media_files")
                        .stream().collect(Collectors.toMap(r -> (String) r.get("original_name"), r -> r));
                assertThat(end.get(proven)).containsEntry("status", "cleaned");
                assertThat(end.get(corrupted)).containsEntry("status", "error");
                assertThat((String) end.get(corrupted).get("error")).contains("archive copy");
                assertThat(end.get(refused).get("status")).as("its copy in iCloud is not proven").isNotIn("verified", "cleaned");
                assertThat(query(db, "select m.original_name, r.state, r.dry_run from icloud_removals r"
                        + " join media_files m on m.id = r.media_file_id where r.state = 'removed'"))
                        .singleElement().satisfies(r -> assertThat(r).containsEntry("original_name", proven)
                                .containsEntry("dry_run", false));
            }
            assertThat(fixture.library(user).assets()).as("only the proven file's original left iCloud")
                    .filteredOn(FixtureLibrary.Asset::deleted).extracting(FixtureLibrary.Asset::recordName)
                    .containsExactly(inIcloud.get(proven).recordName());
        }
    }

    /** The server's index entry of a file in the Pixel folder (GET /rest/db/file). */
    private static JsonNode file(LoopbackPair pair, String rel) throws Exception {
        return JSON.readTree(pair.rest(pair.server(), "GET", "/rest/db/file?folder=" + LoopbackPair.FOLDER_ID + "&file="
                + URLEncoder.encode(rel, StandardCharsets.UTF_8), null));
    }

    /** Whether the server's index lists the phone as having the file. */
    private static boolean available(LoopbackPair pair, String rel) throws Exception {
        for (JsonNode a : file(pair, rel).path("availability")) {
            if (a.path("id").asText().equals(pair.phone().deviceId())) {
                return true;
            }
        }
        return false;
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(String what, Condition c) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!c.holds()) {
            assertThat(System.nanoTime()).as("within 30 s: " + what).isLessThan(end);
            Thread.sleep(200);
        }
    }

    private static void flipAByte(Path file) throws Exception {
        var mode = Files.getPosixFilePermissions(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        byte[] b = Files.readAllBytes(file);
        b[b.length / 2] ^= 0x5a;
        Files.write(file, b);
        Files.setPosixFilePermissions(file, mode);
    }

    /** Media files by original name (pic0001.jpg ...), in name order. */
    private static Map<String, Map<String, Object>> byName(Database db) {
        return query(db, "select m.original_name, m.status, m.error, m.archive_path, m.verify_check, m.verified_at,"
                + " d.staged_path from media_files m left join deliveries d on d.media_file_id = m.id and d.target = 'pixel'")
                .stream().collect(Collectors.toMap(r -> (String) r.get("original_name"), r -> r, (a, b) -> a,
                        TreeMap::new));
    }

    /** The bridge path (batch/name) of the file staged for an original name. */
    private String relOf(String name) {
        return bridgeRoot.relativize(Path.of((String) media.get(name).get("staged_path"))).toString();
    }

    /** relative path -> sha256 of what the pipeline staged for the phone */
    private static Map<String, String> bridgeFiles(PipelineHome p) {
        Path root = p.home().resolve("bridge/pixel");
        return files(root).stream().filter(f -> !f.getFileName().toString().startsWith("."))
                .collect(Collectors.toMap(f -> root.relativize(f).toString(), PipelineHome::sha, (a, b) -> a, TreeMap::new));
    }

    private static Map<String, String> phoneFiles(LoopbackPair pair) {
        Path root = pair.phoneFolder();
        return files(root).stream().filter(f -> !root.relativize(f).toString().startsWith("."))
                .filter(f -> !f.getFileName().toString().startsWith("."))
                .collect(Collectors.toMap(f -> root.relativize(f).toString(), PipelineHome::sha, (a, b) -> a, TreeMap::new));
    }
}
