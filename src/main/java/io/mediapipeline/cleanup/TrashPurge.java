package io.mediapipeline.cleanup;

import io.mediapipeline.flow.Durable;
import io.mediapipeline.flow.FileStore;
import io.mediapipeline.flow.Guard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The purge-trash route's bean: deletes from trash/ what stayed there past its retention (rows 'trashed' whose
 * purge_after passed; they become 'purged'). Files in trash/ that no row accounts for were not put there by
 * cleanup: they are left alone and named once in the log.
 */
public class TrashPurge {

    private static final Logger LOG = LoggerFactory.getLogger(TrashPurge.class);

    private final Trash trash;
    private final CleanupLedger ledger;
    private final Supplier<Guard> guard;
    private final Set<String> reported = new HashSet<>();

    TrashPurge(Trash trash, CleanupLedger ledger, Supplier<Guard> guard) {
        this.trash = trash;
        this.ledger = ledger;
        this.guard = guard;
    }

    /** Returns how many files it deleted; a closed guard ends it early (a pause: the next purge goes on). */
    public synchronized int purge() throws IOException {
        int deleted = 0;
        for (CleanupLedger.Open row : ledger.purgeDue()) {
            java.util.Optional<String> closed = guard.get().blocked();
            if (closed.isPresent()) {
                LOG.info("Purge paused: {}", closed.get());
                return deleted;
            }
            Path file = trash.resolve(row.trashPath());
            if (Files.deleteIfExists(file)) {
                Durable.syncDir(file.getParent());
                ledger.purged(row.id(), null);
                deleted++;
            } else {
                ledger.purged(row.id(), "no longer in trash/ when the purge came (removed by hand?)");
                LOG.warn("Purge: {} was no longer in trash/", row.trashPath());
            }
        }
        if (deleted > 0) {
            LOG.info("Purge: deleted {} file(s) from trash/ whose retention had passed", deleted);
        }
        reportStrangers();
        return deleted;
    }

    private void reportStrangers() throws IOException {
        if (!Files.isDirectory(trash.folder())) {
            return;
        }
        Set<String> known = new HashSet<>(ledger.trashPaths());
        List<Path> strangers;
        try (Stream<Path> walk = Files.walk(trash.folder())) {
            strangers = walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> !p.getFileName().toString().endsWith(FileStore.TEMP_SUFFIX))
                    .filter(p -> !known.contains(trash.relative(p))).toList();
        }
        for (Path p : strangers) {
            if (reported.add(trash.relative(p))) {
                LOG.warn("Purge: {} is in trash/ without a ledger row; left alone", trash.relative(p));
            }
        }
    }
}
