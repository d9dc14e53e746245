package io.mediapipeline.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.flow.Guard;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * trash/ on a real ledger and real files: a move a crash interrupted is finished or undone at startup from where
 * the file is, the purge deletes only what is past its retention, and nothing is deleted while the guard is closed.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TrashTest {

    @TempDir
    static Path tmp;

    private static Database db;
    private static VerifiedFiles files;
    private static CleanupLedger ledger;
    private static Trash trash;

    @BeforeAll
    static void open() {
        PipelineHome home = new PipelineHome(tmp);
        db = home.openLedger();
        files = new VerifiedFiles(home.home(), db);
        ledger = new CleanupLedger(db.dataSource());
        trash = new Trash(files.home, ledger, Duration.ofDays(30));
    }

    @AfterAll
    static void close() {
        if (db != null) {
            db.close();
        }
    }

    /** A bridge copy of a verified file and a 'trashing' row for it, as a crash right after the intent leaves it. */
    private long intent(VerifiedFiles.File f) {
        String rel = files.home.relativize(f.bridge()).toString();
        return ledger.trashing(f.id(), files.run.runId(), "bridge", rel, "trash/" + rel, 1, f.sha256(), "{}");
    }

    private VerifiedFiles.File bridged(String name) throws Exception {
        return files.staged(files.verified(name), files.batch("t-" + name), "t-" + name);
    }

    private Map<String, Object> row(long id) {
        return files.ledger.rows("select state, reason, purge_after from local_removals where id = ?", id).get(0);
    }

    @Test
    void anInterruptedMoveIsFinishedOrUndoneFromWhereTheFileIs() throws Exception {
        var reached = bridged("reached.jpg");
        long reachedRow = intent(reached);
        Path reachedTrash = files.home.resolve("trash").resolve(files.home.relativize(reached.bridge()));
        Files.createDirectories(reachedTrash.getParent());
        Files.move(reached.bridge(), reachedTrash); // the rename happened, the row was not updated

        var stayed = bridged("stayed.jpg");
        long stayedRow = intent(stayed); // the crash came before the rename

        var both = bridged("both.jpg");
        long bothRow = intent(both);
        Path bothTrash = files.home.resolve("trash").resolve(files.home.relativize(both.bridge()));
        Files.createDirectories(bothTrash.getParent());
        Files.createLink(bothTrash, both.bridge()); // the trash name was made, the old one not removed

        var lost = bridged("lost.jpg");
        long lostRow = intent(lost);
        Files.delete(lost.bridge()); // gone from both places (someone removed it by hand)

        new TrashRecovery(trash, ledger).recover(Guard.OPEN);

        assertThat(row(reachedRow)).containsEntry("state", "trashed");
        assertThat(row(reachedRow).get("purge_after")).isNotNull();
        assertThat(reachedTrash).exists();

        assertThat(row(stayedRow)).containsEntry("state", "undone");
        assertThat(stayed.bridge()).exists();
        assertThat(files.home.resolve("trash").resolve(files.home.relativize(stayed.bridge()))).doesNotExist();

        assertThat(row(bothRow)).containsEntry("state", "trashed");
        assertThat(both.bridge()).doesNotExist();
        assertThat(bothTrash).hasSameBinaryContentAs(both.original());

        assertThat(row(lostRow)).containsEntry("state", "error");
        assertThat((String) row(lostRow).get("reason")).contains("found neither at", "lost.jpg");
        assertThat(files.ledger.rows("select to_state from file_events where media_file_id = ? and entity = 'removal'"
                + " order by id", lost.id())).extracting(r -> r.get("to_state")).containsExactly("trashing", "error");
    }

    @Test
    void aFileAtNeitherPlaceWhileItsFoldersAreAwayWaitsForTheNextStart() throws Exception {
        var stayed = bridged("nas-away.jpg");
        long stayedRow = intent(stayed); // the crash came before the rename
        Path bridge = files.home.resolve("bridge");
        Path trashDir = files.home.resolve("trash");

        Files.move(bridge, files.home.resolve("bridge.away")); // the NAS not mounted: the old place's root is gone
        try {
            new TrashRecovery(trash, ledger).recover(Guard.OPEN);
        } finally {
            Files.move(files.home.resolve("bridge.away"), bridge);
        }
        assertThat(row(stayedRow)).as("its root away: not lost").containsEntry("state", "trashing");

        var moved = bridged("trash-away.jpg");
        long movedRow = intent(moved);
        Path movedTrash = files.home.resolve("trash").resolve(files.home.relativize(moved.bridge()));
        Files.createDirectories(movedTrash.getParent());
        Files.move(moved.bridge(), movedTrash); // the rename happened, the row was not updated

        Files.move(trashDir, files.home.resolve("trash.away"));
        try {
            new TrashRecovery(trash, ledger).recover(Guard.OPEN);
        } finally {
            Files.move(files.home.resolve("trash.away"), trashDir);
        }
        assertThat(row(movedRow)).as("trash/ away: not lost").containsEntry("state", "trashing");

        new TrashRecovery(trash, ledger).recover(Guard.OPEN); // the next start, everything mounted
        assertThat(row(stayedRow)).containsEntry("state", "undone");
        assertThat(stayed.bridge()).exists();
        assertThat(row(movedRow)).containsEntry("state", "trashed");
    }

    @Test
    void theUndoneRowDoesNotStopALaterRemoval() throws Exception {
        var f = bridged("again.jpg");
        long first = intent(f);
        new TrashRecovery(trash, ledger).recover(Guard.OPEN);
        assertThat(row(first)).containsEntry("state", "undone");

        Path moved = trash.move(new Trash.Removal(f.id(), files.run.runId(), "bridge", f.bridge(), 1, f.sha256(), "{}"),
                Guard.OPEN);
        assertThat(moved).exists();
        assertThat(f.bridge()).doesNotExist();
    }

    @Test
    void aNameTakenInTrashGetsASuffixAndNothingIsOverwritten() throws Exception {
        var f = bridged("clash.jpg");
        Path wanted = files.home.resolve("trash").resolve(files.home.relativize(f.bridge()));
        Files.createDirectories(wanted.getParent());
        Files.writeString(wanted, "someone else's file");

        Path moved = trash.move(new Trash.Removal(f.id(), files.run.runId(), "bridge", f.bridge(), 1, f.sha256(), "{}"),
                Guard.OPEN);

        assertThat(moved.getFileName().toString()).isEqualTo("clash_1.jpg");
        assertThat(moved).hasSameBinaryContentAs(f.original());
        assertThat(wanted).hasContent("someone else's file");
    }

    @Test
    void thePurgeDeletesOnlyTrashPastItsRetention() throws Exception {
        var old = bridged("old.jpg");
        var young = bridged("young.jpg");
        Path oldTrash = trash.move(new Trash.Removal(old.id(), files.run.runId(), "bridge", old.bridge(),
                Files.size(old.bridge()), old.sha256(), "{}"), Guard.OPEN);
        Path youngTrash = trash.move(new Trash.Removal(young.id(), files.run.runId(), "bridge", young.bridge(),
                Files.size(young.bridge()), young.sha256(), "{}"), Guard.OPEN);
        files.sql.update("update local_removals set purge_after = now() - interval '1 day' where media_file_id = ?", old.id());
        Path stranger = files.home.resolve("trash/put-here-by-hand.jpg");
        Files.writeString(stranger, "not cleanup's");

        Guard closed = () -> Optional.of("free space is short");
        TrashPurge purge = new TrashPurge(trash, ledger, () -> closed);
        assertThat(purge.purge()).isZero();
        assertThat(oldTrash).exists();

        assertThat(new TrashPurge(trash, ledger, () -> Guard.OPEN).purge()).isEqualTo(1);

        assertThat(oldTrash).doesNotExist();
        assertThat(youngTrash).exists();
        assertThat(stranger).exists();
        assertThat(old.original()).exists();
        assertThat(files.removals(old)).singleElement().satisfies(r -> assertThat(r).containsEntry("state", "purged"));
        assertThat(files.removals(young)).singleElement().satisfies(r -> assertThat(r).containsEntry("state", "trashed"));
        assertThat(files.ledger.rows("select purged_at from local_removals where media_file_id = ?", old.id()).get(0)
                .get("purged_at")).isNotNull();
    }

    /** An exact duplicate of a verified file (its own inode) moved to trash/, its retention passed. */
    private Path trashedDuplicate(VerifiedFiles.File f) throws Exception {
        Path dup = files.home.resolve("duplicates/2026/" + f.original().getFileName());
        Files.createDirectories(dup.getParent());
        Files.copy(f.original(), dup);
        Path moved = trash.move(new Trash.Removal(f.id(), files.run.runId(), "duplicate", dup, Files.size(dup), f.sha256(),
                "{}"), Guard.OPEN);
        files.sql.update("update local_removals set purge_after = now() - interval '1 day' where media_file_id = ?", f.id());
        return moved;
    }

    private static void overwrite(Path p, byte[] bytes) throws Exception {
        p.toFile().setWritable(true);
        Files.write(p, bytes);
        p.toFile().setWritable(false);
    }

    @Test
    void thePurgeKeepsATrashedCopyWhileTheFileIsNotKnownSafeElsewhere() throws Exception {
        var rotted = files.verified("rotted.jpg");
        Path rottedTrash = trashedDuplicate(rotted);
        byte[] intact = Files.readAllBytes(rotted.original());
        byte[] damaged = intact.clone();
        damaged[10] ^= 0x55;
        overwrite(rotted.original(), damaged); // bit rot in originals/ (sorted/ is the same inode)

        var failed = files.verified("in-error.jpg");
        Path failedTrash = trashedDuplicate(failed);
        files.sql.update("update media_files set status = 'error', error = 'the archive copy is missing' where id = ?",
                failed.id());

        var found = files.verified("finding.jpg");
        Path foundTrash = trashedDuplicate(found);
        files.sql.update("""
                insert into scrub_findings (media_file_id, copy, path, kind) values (?, 'archive', ?, 'unreadable')""",
                found.id(), found.archive().toString());

        var changed = files.verified("changed-in-trash.jpg");
        Path changedTrash = trashedDuplicate(changed);
        Files.write(changedTrash, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);

        var safe = files.verified("safe.jpg");
        Path safeTrash = trashedDuplicate(safe);

        TrashPurge purge = new TrashPurge(trash, ledger, () -> Guard.OPEN);
        purge.purge();

        assertThat(safeTrash).doesNotExist();
        assertThat(files.removals(safe)).singleElement().satisfies(r -> assertThat(r).containsEntry("state", "purged"));
        for (var f : java.util.List.of(rotted, failed, found, changed)) {
            assertThat(files.removals(f)).singleElement().satisfies(r -> assertThat(r).containsEntry("state", "trashed"));
        }
        assertThat(rottedTrash).as("the only intact bytes").exists().hasBinaryContent(intact);
        assertThat(failedTrash).exists();
        assertThat(foundTrash).exists();
        assertThat(changedTrash).exists();

        // the original repaired (the scrub restores it), the finding resolved: the next purge deletes the copies
        overwrite(rotted.original(), intact);
        files.sql.update("update scrub_findings set state = 'resolved' where media_file_id = ?", found.id());
        purge.purge();
        assertThat(rottedTrash).doesNotExist();
        assertThat(foundTrash).doesNotExist();
        assertThat(failedTrash).exists();
        assertThat(changedTrash).exists();
    }

    @Test
    void aScrubAfterTheTrashingStandsForTheOriginalsHash() throws Exception {
        var f = files.verified("scrubbed.jpg");
        Path copy = trashedDuplicate(f);
        Files.delete(f.original()); // would keep the copy, unless the scrub's word stands for it
        files.sql.update("update media_files set scrubbed_at = now() + interval '1 second' where id = ?", f.id());

        new TrashPurge(trash, ledger, () -> Guard.OPEN).purge();

        assertThat(copy).doesNotExist();
        assertThat(files.removals(f)).singleElement().satisfies(r -> assertThat(r).containsEntry("state", "purged"));
    }

    @Test
    void aMoveThatCannotBeMadeLeavesTheFileAndSaysSo() throws Exception {
        var f = bridged("stuck.jpg");
        // where the trash folder should be, a file is (root ignores modes, so a read-only folder would not do)
        Path folder = files.home.resolve("trash").resolve(files.home.relativize(f.bridge())).getParent();
        Files.createDirectories(folder.getParent());
        Files.writeString(folder, "in the way");

        assertThatThrownBy(() -> trash.move(new Trash.Removal(f.id(), files.run.runId(), "bridge", f.bridge(), 1,
                f.sha256(), "{}"), Guard.OPEN)).isInstanceOf(java.io.IOException.class);

        assertThat(f.bridge()).exists();
        assertThat(files.removals(f)).singleElement().satisfies(r -> assertThat(r).containsEntry("state", "undone"));
    }
}
