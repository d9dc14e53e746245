package io.mediapipeline.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.flow.OriginalRemoval;
import io.mediapipeline.report.RunReport;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cleanup pass on a real embedded PostgreSQL with the app's migrations and real files: what goes to trash/
 * (same layout), what stays and why, the ledger rows that say so, and when the iCloud original is asked for.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CleanupPassTest {

    @TempDir
    static Path tmp;

    private static Database db;
    private static VerifiedFiles files;
    private VerifiedFiles.Beans beans;

    @BeforeAll
    static void open() {
        PipelineHome home = new PipelineHome(tmp);
        db = home.openLedger();
        files = new VerifiedFiles(home.home(), db);
    }

    @AfterAll
    static void close() {
        if (db != null) {
            db.close();
        }
    }

    @BeforeEach
    void isolate() {
        files.putAsideOthers();
        beans = new VerifiedFiles.Beans();
        beans.removal.enabled = false;
        beans.removal.sql = files.sql;
    }

    /** The file's iCloud removal answers came {@code minutes} ago (the table's trigger would stamp now()). */
    private void age(VerifiedFiles.File f, int minutes) {
        files.sql.update("alter table icloud_removals disable trigger icloud_removals_event");
        try {
            files.sql.update("update icloud_removals set updated_at = now() - make_interval(mins => ?) where media_file_id = ?",
                    minutes, f.id());
        } finally {
            files.sql.update("alter table icloud_removals enable trigger icloud_removals_event");
        }
    }

    private List<String> icloudRemovals(VerifiedFiles.File f) {
        return files.ledger.rows("select state, dry_run from icloud_removals where media_file_id = ? order by id", f.id())
                .stream().map(r -> r.get("state") + (Boolean.TRUE.equals(r.get("dry_run")) ? " dry-run" : "")).toList();
    }

    private Path trashOf(Path p) {
        return files.home.resolve("trash").resolve(files.home.relativize(p));
    }

    @Test
    void exactlyTheBridgeCopiesOfFullyVerifiedBatchesGoToTrash() throws Exception {
        UUID done = files.batch("b-done");
        var a = files.staged(files.verified("a.jpg"), done, "b-done");
        var b = files.staged(files.verified("b.jpg"), done, "b-done");
        UUID open = files.batch("b-open");
        var c = files.staged(files.verified("c.jpg"), open, "b-open");
        var d = files.staged(files.archived("d.jpg"), open, "b-open"); // not verified: its batch keeps every copy

        files.cleaner(files.config(false, true, false, true), beans).pass();

        for (var f : List.of(a, b)) {
            assertThat(f.bridge()).doesNotExist();
            assertThat(trashOf(f.bridge())).exists().hasSameBinaryContentAs(f.original());
            assertThat(f.original()).exists();
            assertThat(f.archive()).exists();
            assertThat(files.status(f)).isEqualTo("cleaned");
            Map<String, Object> row = files.removals(f).get(0);
            assertThat(row).containsEntry("kind", "bridge").containsEntry("state", "trashed")
                    .containsEntry("path", "bridge/pixel/b-done/" + f.original().getFileName())
                    .containsEntry("trash_path", "trash/bridge/pixel/b-done/" + f.original().getFileName());
            assertThat((String) row.get("proof")).contains("checkedNow", "sha256 matches", "verifiedAt", "\"batchVerified\": true");
            assertThat(((java.sql.Timestamp) row.get("purge_after")).toInstant()).isAfter(Instant.now().plus(Duration.ofDays(29)));
        }
        assertThat(c.bridge()).exists();
        assertThat(d.bridge()).exists();
        assertThat(files.status(c)).as("waits for its batch mates").isEqualTo("verified");
        assertThat(files.removals(c)).isEmpty();
        assertThat(files.ledger.rows("select to_state from file_events where media_file_id = ? and entity = 'removal' order by id",
                a.id())).extracting(r -> r.get("to_state")).containsExactly("trashing", "trashed");

        // once the last file of the batch is verified, the rest of the batch goes too
        files.verify(new VerifiedFiles.File(d.id(), d.sha256(), d.original(), d.archive(), d.bridge()), true);
        files.cleaner(files.config(false, true, false, true), beans).pass();
        assertThat(c.bridge()).doesNotExist();
        assertThat(d.bridge()).doesNotExist();
        assertThat(trashOf(c.bridge())).exists();
        assertThat(files.status(c)).isEqualTo("cleaned");
    }

    @Test
    void aMotionPhotoInTheBridgeGoesOnceBothItsHalvesAreVerifiedAndOnlyWithItsOwnBytes() throws Exception {
        UUID batch = files.batch("b-motion");
        var still = files.verified("IMG_0500.jpg");
        var movie = files.archived("IMG_0500.mov");
        // the phone got one file for the pair: the still's bytes, then the movie's (what MotionPhoto builds)
        Path motion = files.home.resolve("bridge/pixel/b-motion/IMG_0500.MP.jpg");
        Files.createDirectories(motion.getParent());
        Files.write(motion, concat(Files.readAllBytes(still.original()), Files.readAllBytes(movie.original())));
        String motionSha = io.mediapipeline.media.Hasher.sha256(motion);
        for (var pair : List.of(List.of(still, movie), List.of(movie, still))) {
            files.sql.update("""
                    insert into deliveries (media_file_id, target, batch_id, state, staged_path, staged_size, confirmed_at,
                                            delivered_as, delivered_sha256, delivered_with)
                    values (?, 'pixel', ?, 'confirmed', ?, ?, now(), 'motion-photo', ?, ?)""",
                    pair.get(0).id(), batch, motion.toString(), Files.size(motion), motionSha, pair.get(1).id());
        }

        files.cleaner(files.config(false, true, false, true), beans).pass();
        assertThat(motion).as("the movie half is not verified yet: the Motion Photo stays").exists();

        files.verify(movie, true);
        files.cleaner(files.config(false, true, false, true), beans).pass();

        assertThat(motion).doesNotExist();
        assertThat(trashOf(motion)).exists();
        assertThat(io.mediapipeline.media.Hasher.sha256(trashOf(motion))).isEqualTo(motionSha);
        assertThat(List.of(still, movie)).allSatisfy(f -> {
            assertThat(files.status(f)).isEqualTo("cleaned");
            assertThat(f.original()).exists();
            assertThat(f.archive()).exists();
        });
        List<Map<String, Object>> rows = new java.util.ArrayList<>(files.removals(still));
        rows.addAll(files.removals(movie));
        assertThat(rows).as("one removal for the one file, none kept").singleElement().satisfies(r -> {
            assertThat(r).containsEntry("kind", "bridge").containsEntry("state", "trashed")
                    .containsEntry("path", "bridge/pixel/b-motion/IMG_0500.MP.jpg");
            assertThat((String) r.get("proof")).contains(motionSha).contains("motionPhotoWith");
        });
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void bridgeCopiesStayWhileThePhoneWouldLoseItsCopies() throws Exception {
        UUID batch = files.batch("b-phone");
        var a = files.staged(files.verified("p.jpg"), batch, "b-phone");
        beans.phoneMustKeep = "the phone's folder does not ignore deletes";

        files.cleaner(files.config(false, true, false, true), beans).pass();

        assertThat(a.bridge()).exists();
        assertThat(trashOf(a.bridge())).doesNotExist();
        assertThat(files.removals(a)).isEmpty();
        assertThat(files.status(a)).isEqualTo("verified");
    }

    @Test
    void aDryRunRemovesNothingAndListsEverything() throws Exception {
        UUID batch = files.batch("b-dry");
        var a = files.staged(files.verified("dry-a.jpg"), batch, "b-dry");
        var b = files.verified("dry-b.jpg");
        Path work = files.home.resolve("work/organize/" + b.sha256() + ".jpg");
        Files.createDirectories(work.getParent());
        Files.createLink(work, b.original());

        var cleaner = files.cleaner(files.config(true, true, false, true), beans);
        cleaner.pass();
        cleaner.pass(); // a second pass lists nothing twice

        assertThat(a.bridge()).exists();
        assertThat(work).exists();
        assertThat(files.home.resolve("trash/bridge/pixel/b-dry")).doesNotExist();
        assertThat(files.removals(a)).singleElement().satisfies(r -> assertThat(r)
                .containsEntry("state", "would-remove").containsEntry("kind", "bridge").containsEntry("trash_path", null));
        assertThat(files.removals(b)).singleElement().satisfies(r -> assertThat(r)
                .containsEntry("state", "would-remove").containsEntry("kind", "work")
                .containsEntry("path", "work/organize/" + b.sha256() + ".jpg"));
        assertThat(files.status(a)).isEqualTo("verified");
        assertThat(files.status(b)).isEqualTo("verified");

        // the run report lists what would go
        var report = new RunReport(files.ledger, files.home).write(files.run.runId());
        JsonNode cleanup = new ObjectMapper().readTree(report.file().toFile()).get("cleanup");
        assertThat(cleanup.get("counts").get("would-remove").asInt()).isEqualTo(2);
        assertThat(cleanup.get("removals").findValuesAsText("path"))
                .containsExactlyInAnyOrder("bridge/pixel/b-dry/dry-a.jpg", "work/organize/" + b.sha256() + ".jpg");

        // the listing does not stand in the way of the real removal later
        files.cleaner(files.config(false, true, false, true), beans).pass();
        assertThat(work).doesNotExist();
        assertThat(files.removals(b)).extracting(r -> r.get("state")).containsExactly("would-remove", "trashed");
        assertThat(files.status(b)).isEqualTo("cleaned");
    }

    @Test
    void workAndInboxLeftoversGoButNeverIcloudpdsOwnCopy() throws Exception {
        var f = files.verified("left.jpg");
        Path work = files.home.resolve("work/pixel/" + f.sha256() + ".jpg");
        Files.createDirectories(work.getParent());
        Files.createLink(work, f.original());
        Path inbox = files.home.resolve("inbox/icloud/me/left.jpg");
        Files.createDirectories(inbox.getParent());
        Files.copy(f.original(), inbox); // a copy, not a link: proven by its hash
        Path icloudpd = files.home.resolve("icloud/me/2026/01/left.jpg");
        Files.createDirectories(icloudpd.getParent());
        Files.createLink(icloudpd, f.original());
        long source = files.sql.inTx(j -> j.queryForObject("""
                insert into source_files (source, source_key, source_path, size, sha256, disposition, media_file_id)
                values ('icloud', ?, ?, 1, ?, 'imported', ?) returning id""", Long.class,
                "key-" + f.sha256(), inbox.toString(), f.sha256(), f.id()));
        assertThat(source).isPositive();
        Path compressQueue = files.home.resolve("work/compress/" + f.sha256() + ".jpg");
        Files.createDirectories(compressQueue.getParent());
        Files.createLink(compressQueue, f.original()); // no compress decision yet: still work to do

        files.cleaner(files.config(false, false, false, true), beans).pass();

        assertThat(work).doesNotExist();
        assertThat(inbox).doesNotExist();
        assertThat(trashOf(work)).exists();
        assertThat(trashOf(inbox)).hasSameBinaryContentAs(f.original());
        assertThat(icloudpd).exists();
        assertThat(compressQueue).exists();
        assertThat(f.original()).exists();
        assertThat(f.archive()).exists();
        assertThat(files.removals(f)).extracting(r -> r.get("kind") + " " + r.get("state"))
                .containsExactlyInAnyOrder("work trashed", "inbox trashed");
        assertThat(files.status(f)).isEqualTo("cleaned");
    }

    @Test
    void duplicatesGoOnlyWhenTheirBytesAreTheOriginals() throws Exception {
        var f = files.verified("orig.jpg");
        Path same = files.home.resolve("duplicates/2026/orig_1.jpg");
        Path differs = files.home.resolve("duplicates/2026/orig_2.jpg");
        Files.createDirectories(same.getParent());
        Files.copy(f.original(), same);
        Files.write(differs, new byte[] {1, 2, 3});
        // a duplicate recorded outside duplicates/ (a backfill's in-place library) is never cleanup's to take
        files.sql.update("insert into duplicate_files (original_file_id, duplicate_path, kind) values (?, ?, 'exact')",
                f.id(), f.archive().toString());
        for (Path p : List.of(same, differs)) {
            files.sql.update("insert into duplicate_files (original_file_id, duplicate_path, kind) values (?, ?, 'exact')",
                    f.id(), p.toString());
        }

        files.cleaner(files.config(false, false, true, true), beans).pass();

        assertThat(same).doesNotExist();
        assertThat(trashOf(same)).hasSameBinaryContentAs(f.original());
        assertThat(differs).exists();
        assertThat(trashOf(differs)).doesNotExist();
        assertThat(f.archive()).exists();
        assertThat(files.removals(f)).extracting(r -> r.get("kind") + " " + r.get("state") + " " + r.get("path"))
                .containsExactlyInAnyOrder("duplicate trashed duplicates/2026/orig_1.jpg",
                        "duplicate kept duplicates/2026/orig_2.jpg");
    }

    @Test
    void aMissingArchiveCopyBlocksTheRemoval() throws Exception {
        UUID batch = files.batch("b-gone");
        var f = files.staged(files.verified("gone.jpg"), batch, "b-gone");
        files.icloudConfirmed(f);
        beans.removal.enabled = true;
        Files.delete(f.archive());

        files.cleaner(files.config(false, true, false, true), beans).pass();

        assertThat(f.bridge()).exists();
        assertThat(beans.removal.calls).isEmpty();
        assertThat(files.status(f)).isEqualTo("verified");
        assertThat(files.removals(f)).singleElement().satisfies(r -> assertThat(r)
                .containsEntry("state", "kept").extracting(m -> (String) m.get("reason")).asString()
                .contains("archive copy", "is missing"));
    }

    @Test
    void aClosedGuardMovesNothing() throws Exception {
        UUID batch = files.batch("b-guard");
        var f = files.staged(files.verified("guard.jpg"), batch, "b-guard");
        beans.guardClosed = "the NAS marker is missing";

        files.cleaner(files.config(false, true, false, true), beans).pass();

        assertThat(f.bridge()).exists();
        assertThat(files.removals(f)).isEmpty();
        assertThat(files.status(f)).isEqualTo("verified");

        beans.guardClosed = null;
        files.cleaner(files.config(false, true, false, true), beans).pass();
        assertThat(f.bridge()).doesNotExist();
        assertThat(files.status(f)).isEqualTo("cleaned");
    }

    @Test
    void theIcloudOriginalIsAskedForOnlyWhenEveryProofHolds() throws Exception {
        beans.removal.enabled = true;
        var all = files.verified("all.jpg");
        files.icloudConfirmed(all);
        var noPixel = files.verify(files.archived("nopixel.jpg"), false);
        files.icloudConfirmed(noPixel);
        var notConfirmed = files.verified("notconfirmed.jpg");

        files.cleaner(files.config(false, false, false, true), beans).pass();

        assertThat(beans.removal.calls).singleElement().asString()
                .startsWith(all.id() + " cleanup dryRun=false why=verified at ")
                .contains("iCloud delivery confirmed", "Pixel copy proven");
        assertThat(files.status(all)).isEqualTo("cleaned");
        // nothing more is to be done for the other two now: cleaned, their originals never asked for
        assertThat(files.status(noPixel)).isEqualTo("cleaned");
        assertThat(files.status(notConfirmed)).isEqualTo("cleaned");
        assertThat(icloudRemovals(noPixel)).isEmpty();
        assertThat(icloudRemovals(notConfirmed)).isEmpty();

        // once its iCloud delivery is confirmed, cleanup comes back to the cleaned file; never to the one without
        // the Pixel's proof, nor to the one already removed
        files.icloudConfirmed(notConfirmed);
        beans.removal.calls.clear();
        files.cleaner(files.config(false, false, false, true), beans).pass();
        assertThat(beans.removal.calls).singleElement().asString().startsWith(notConfirmed.id() + " cleanup dryRun=false");
        assertThat(icloudRemovals(notConfirmed)).containsExactly("removed");
        assertThat(files.status(notConfirmed)).isEqualTo("cleaned");

        // the removal switched off: nobody is asked
        files.putAsideOthers();
        var off = files.verified("off.jpg");
        files.icloudConfirmed(off);
        beans.removal.enabled = false;
        beans.removal.calls.clear();
        files.cleaner(files.config(false, false, false, true), beans).pass();
        assertThat(beans.removal.calls).isEmpty();
        assertThat(icloudRemovals(off)).isEmpty();
        assertThat(files.status(off)).isEqualTo("cleaned");
    }

    /** A pass that only asks for iCloud originals (no local copies to take, the Pixel target off). */
    private void passWithoutPixel() {
        files.cleaner(files.config(false, false, false, false), beans).pass();
    }

    /** A verified file confirmed in iCloud, the removal on and answering {@code answer}. */
    private VerifiedFiles.File confirmedAnswering(String name, OriginalRemoval.State answer) throws Exception {
        beans.removal.enabled = true;
        beans.removal.answer = answer;
        var f = files.verified(name);
        files.icloudConfirmed(f);
        return f;
    }

    @Test
    void aFailedRemovalIsAskedAgainARefusalAfterABackOff() throws Exception {
        var f = confirmedAnswering("failed.jpg", OriginalRemoval.State.FAILED);

        passWithoutPixel();
        assertThat(files.status(f)).isEqualTo("verified");

        beans.removal.answer = OriginalRemoval.State.REFUSED;
        passWithoutPixel();
        assertThat(beans.removal.calls).hasSize(2);
        assertThat(files.status(f)).isEqualTo("cleaned");

        // a refusal may pass (a Live Photo's other half not confirmed yet): asked again, but not before its back-off
        beans.removal.answer = OriginalRemoval.State.REMOVED;
        passWithoutPixel();
        assertThat(beans.removal.calls).hasSize(2);
        age(f, 61);
        passWithoutPixel();
        assertThat(beans.removal.calls).hasSize(3);
        assertThat(icloudRemovals(f)).containsExactly("failed", "refused", "removed");
        passWithoutPixel();
        assertThat(beans.removal.calls).as("removed: never asked again").hasSize(3);
        assertThat(files.status(f)).isEqualTo("cleaned");
    }

    @Test
    void aSecondRefusalWaitsTwiceAsLong() throws Exception {
        var f = confirmedAnswering("refused-twice.jpg", OriginalRemoval.State.REFUSED);
        passWithoutPixel();
        age(f, 61);
        passWithoutPixel();
        assertThat(beans.removal.calls).hasSize(2);

        age(f, 61);
        passWithoutPixel();
        assertThat(beans.removal.calls).as("two refusals: two hours").hasSize(2);
        age(f, 121);
        passWithoutPixel();
        assertThat(beans.removal.calls).hasSize(3);
    }

    @Test
    void aRemovalDryRunsListingIsCarriedOutOnceTheDryRunIsSwitchedOff() throws Exception {
        beans.removal.enabled = true;
        beans.removal.settingDryRun = true;
        var f = files.verified("planned.jpg");
        files.icloudConfirmed(f);

        files.cleaner(files.config(false, false, false, true, true), beans).pass();
        assertThat(beans.removal.calls).singleElement().asString().startsWith(f.id() + " cleanup dryRun=false");
        assertThat(icloudRemovals(f)).containsExactly("planned dry-run");
        assertThat(files.status(f)).as("nothing more is to be done under these settings").isEqualTo("cleaned");

        // while the removal's dry run stays on, the listing is not asked for again
        files.cleaner(files.config(false, false, false, true, true), beans).pass();
        assertThat(beans.removal.calls).hasSize(1);

        // the user switches the dry run off (pipeline.target.icloud.removal.dry-run=false, a restart)
        beans.removal.settingDryRun = false;
        files.cleaner(files.config(false, false, false, true, false), beans).pass();
        assertThat(beans.removal.calls).hasSize(2);
        assertThat(icloudRemovals(f)).containsExactly("planned dry-run", "removed");
        assertThat(files.status(f)).isEqualTo("cleaned");
        assertThat(f.original()).as("the local original stays").exists();

        files.cleaner(files.config(false, false, false, true, false), beans).pass();
        assertThat(beans.removal.calls).as("removed: never asked again").hasSize(2);
    }

    @Test
    void aCleanupDryRunAsksOnlyForPlansAndMarksNothingCleaned() throws Exception {
        beans.removal.enabled = true;
        var f = files.verified("dry-original.jpg");
        files.icloudConfirmed(f);

        files.cleaner(files.config(true, false, false, true), beans).pass();
        files.cleaner(files.config(true, false, false, true), beans).pass();

        assertThat(beans.removal.calls).singleElement().asString().startsWith(f.id() + " cleanup dryRun=true");
        assertThat(icloudRemovals(f)).containsExactly("planned dry-run");
        assertThat(files.status(f)).isEqualTo("verified");
    }

    @Test
    void onceWaitsOnlyForVerifiedFilesNoPassHasLookedAt() throws Exception {
        UUID batch = files.batch("b-once");
        var waiting = files.staged(files.verified("once.jpg"), batch, "b-once");
        files.staged(files.archived("once-mate.jpg"), batch, "b-once");
        Cleaner cleaner = files.cleaner(files.config(false, true, false, true), beans);
        assertThat(cleaner.due()).isEqualTo(1);

        cleaner.pass();

        assertThat(files.status(waiting)).isEqualTo("verified");
        assertThat(cleaner.due()).as("waiting for its batch mate is not work due now").isZero();
        files.verified("once-later.jpg");
        assertThat(cleaner.due()).isEqualTo(1);
    }

    @Test
    void aGuardThatClosesDuringAPassStopsItThere() throws Exception {
        UUID batch = files.batch("b-closing");
        var first = files.staged(files.verified("closing-1.jpg"), batch, "b-closing");
        var second = files.staged(files.verified("closing-2.jpg"), batch, "b-closing");
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        // open when the pass starts and for the first removal, closed from then on
        beans.guard = () -> asked.incrementAndGet() <= 2 ? java.util.Optional.empty()
                : java.util.Optional.of("free space is short");
        Cleaner cleaner = files.cleaner(files.config(false, true, false, true), beans);

        cleaner.pass();

        var moved = java.util.stream.Stream.of(first, second).filter(f -> !Files.exists(f.bridge())).toList();
        var kept = java.util.stream.Stream.of(first, second).filter(f -> Files.exists(f.bridge())).toList();
        assertThat(moved).hasSize(1);
        assertThat(kept).hasSize(1);
        assertThat(files.status(moved.get(0))).isEqualTo("cleaned");
        assertThat(files.status(kept.get(0))).isEqualTo("verified");
        assertThat(files.removals(kept.get(0))).isEmpty();
        assertThat(cleaner.due()).as("`once` still waits: the pass did not finish").isEqualTo(1);
    }
}
