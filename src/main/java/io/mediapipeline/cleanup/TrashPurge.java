package io.mediapipeline.cleanup;

import io.mediapipeline.flow.Durable;
import io.mediapipeline.flow.FileStore;
import io.mediapipeline.flow.Guard;
import io.mediapipeline.media.Hasher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The purge-trash route's bean: deletes from trash/ what stayed there past its retention (rows 'trashed' whose
 * purge_after passed; they become 'purged'). trash/ is also a copy the scrub restores a damaged original from, so
 * a trashed copy is deleted only while the file's bytes are known safe elsewhere: the media file is verified or
 * cleaned (not 'error'), no scrub finding about it is open, its original is there with its size and hashes to its
 * sha256 (or the scrub read it in full after the copy was trashed), and the trash copy still has the size its row
 * recorded. Otherwise the copy stays (the reason logged once) and the next purge looks again. Files in trash/ that
 * no row accounts for were not put there by cleanup: they are left alone and named once in the log.
 */
public class TrashPurge {

    private static final Logger LOG = LoggerFactory.getLogger(TrashPurge.class);

    private final Trash trash;
    private final CleanupLedger ledger;
    private final Supplier<Guard> guard;
    private final Set<String> reported = new HashSet<>();
    /** The reason each kept row was last logged with, so a copy that keeps waiting is named once. */
    private final Map<Long, String> kept = new HashMap<>();

    TrashPurge(Trash trash, CleanupLedger ledger, Supplier<Guard> guard) {
        this.trash = trash;
        this.ledger = ledger;
        this.guard = guard;
    }

    /** Returns how many files it deleted; a closed guard ends it early (a pause: the next purge goes on). */
    public synchronized int purge() throws IOException {
        int deleted = 0;
        Map<UUID, String> originals = new HashMap<>(); // one hash per media file and purge
        for (CleanupLedger.Due row : ledger.purgeDue()) {
            java.util.Optional<String> closed = guard.get().blocked();
            if (closed.isPresent()) {
                LOG.info("Purge paused: {}", closed.get());
                return deleted;
            }
            Path file = trash.resolve(row.trashPath());
            String keep = Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) ? keepReason(row, file, originals) : null;
            if (keep != null) {
                if (!keep.equals(kept.put(row.id(), keep))) {
                    LOG.warn("Purge: {} stays in trash/ past its retention: {}", row.trashPath(), keep);
                }
                continue;
            }
            kept.remove(row.id());
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

    /** Why the trashed copy must stay for now, or null when it may go. */
    private static String keepReason(CleanupLedger.Due row, Path file, Map<UUID, String> originals) throws IOException {
        long size = Files.size(file);
        if (row.size() == null || size != row.size()) {
            return "it has " + size + " bytes, its removal row recorded " + row.size();
        }
        if (!"verified".equals(row.status()) && !"cleaned".equals(row.status())) {
            return "media file " + row.mediaId() + " is '" + row.status() + "', so this may be the copy that repairs it";
        }
        if (row.findingsOpen()) {
            return "a scrub finding about media file " + row.mediaId() + " is open";
        }
        if (row.scrubbedAt() != null && row.trashedAt() != null && row.scrubbedAt().isAfter(row.trashedAt())) {
            return null; // the scrub read every copy in full since, and found nothing
        }
        String problem = originals.get(row.mediaId());
        if (problem == null) {
            problem = originalProblem(row);
            originals.put(row.mediaId(), problem);
        }
        return problem.isEmpty() ? null : problem;
    }

    /** What is wrong with the media file's original ("" when it is there, of its size, with its sha256). */
    private static String originalProblem(CleanupLedger.Due row) throws IOException {
        Path original = row.originalPath() == null ? null : Path.of(row.originalPath());
        if (original == null || !Files.isRegularFile(original, LinkOption.NOFOLLOW_LINKS)) {
            return "the original of media file " + row.mediaId() + " is missing (" + row.originalPath() + ")";
        }
        if (Files.size(original) != row.mediaSize()) {
            return "the original " + original + " has " + Files.size(original) + " bytes, the ledger says "
                    + row.mediaSize();
        }
        if (!Hasher.sha256(original).equals(row.sha256())) {
            return "the original " + original + " no longer hashes to the ledger's sha256";
        }
        return "";
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
