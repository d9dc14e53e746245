package io.mediapipeline.cleanup;

import io.mediapipeline.flow.Durable;
import io.mediapipeline.flow.FileStore;
import io.mediapipeline.flow.Guard;
import io.mediapipeline.media.Hasher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At startup, before any route: each 'trashing' row (a move a crash interrupted) is settled by where its file is.
 * In trash/ only: the move happened, the row becomes 'trashed'. In both places (the trash name was made, the old
 * one not removed yet): the old name goes once the trash copy is the same file or has its bytes. At its old place
 * only: the move never happened, the row becomes 'undone' and the file stays. Nowhere while trash/ or the old
 * place's root folder is missing (the NAS not mounted): the row waits for the next start. Nowhere else: an 'error'
 * row saying so.
 */
class TrashRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(TrashRecovery.class);

    private final Trash trash;
    private final CleanupLedger ledger;

    TrashRecovery(Trash trash, CleanupLedger ledger) {
        this.trash = trash;
        this.ledger = ledger;
    }

    void recover(Guard guard) throws IOException {
        if (guard.blocked().isEmpty()) {
            FileStore.sweepTemps(trash.folder()); // a cross-device copy a crash cut short
        }
        for (CleanupLedger.Open row : ledger.trashingRows()) {
            Path from = trash.resolve(row.path());
            Path to = trash.resolve(row.trashPath());
            boolean atFrom = Files.exists(from, LinkOption.NOFOLLOW_LINKS);
            boolean atTo = Files.isRegularFile(to, LinkOption.NOFOLLOW_LINKS);
            if (atTo && !atFrom) {
                Durable.syncFile(to);
                Durable.syncDir(to.getParent());
                ledger.trashed(row.id(), trash.retention(), "moved before a restart; finished at startup");
                LOG.info("Trash recovery: {} had reached trash/ before the restart; recorded as trashed", row.path());
            } else if (atTo) {
                finishHalfMove(row, from, to, guard);
            } else if (atFrom) {
                ledger.finish(row.id(), "trashing", "undone", "the file had not left its place when the pipeline stopped;"
                        + " it stays there");
                LOG.info("Trash recovery: {} had not moved before the restart; it stays", row.path());
            } else if (unmounted(row).isPresent()) {
                LOG.warn("Trash recovery of {} waits for the next start: found at neither place, and {} is not a"
                        + " directory (the NAS not mounted?)", row.path(), unmounted(row).get());
            } else {
                String why = "found neither at " + row.path() + " nor in trash at " + row.trashPath() + " after a restart";
                ledger.finish(row.id(), "trashing", "error", why);
                LOG.error("Trash recovery: {} (media file {})", why, row.mediaId());
            }
        }
    }

    /**
     * The folder that is not there when a file is at neither place: trash/ or the root folder of its old place. Then
     * the storage is away (not the file lost) and the row stays 'trashing' for a start that can see it.
     */
    private Optional<Path> unmounted(CleanupLedger.Open row) {
        Path source = Path.of(row.path());
        Path root = trash.resolve(source.isAbsolute() || source.getNameCount() < 2 ? "." : source.getName(0).toString());
        return Stream.of(trash.folder(), root).filter(d -> !Files.isDirectory(d)).findFirst();
    }

    /** Both names exist: the old one goes only if the trash copy is that file or carries its bytes. */
    private void finishHalfMove(CleanupLedger.Open row, Path from, Path to, Guard guard) throws IOException {
        boolean same = Files.isSameFile(from, to) || row.sha256() != null && row.sha256().equals(Hasher.sha256(to));
        if (!same) {
            String why = "both " + row.path() + " and " + row.trashPath() + " exist and the trash copy's bytes differ;"
                    + " both are kept";
            ledger.finish(row.id(), "trashing", "error", why);
            LOG.error("Trash recovery: {}", why);
            return;
        }
        if (guard.blocked().isPresent()) {
            LOG.warn("Trash recovery of {} waits: {}", row.path(), guard.blocked().get());
            return; // the row stays 'trashing'; the next start finishes it
        }
        Durable.syncFile(to);
        Durable.syncDir(to.getParent());
        Files.delete(from);
        Durable.syncDir(from.getParent());
        ledger.trashed(row.id(), trash.retention(), "moved before a restart; finished at startup");
        LOG.info("Trash recovery: finished moving {} to trash/", row.path());
    }
}
