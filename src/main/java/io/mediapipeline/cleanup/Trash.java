package io.mediapipeline.cleanup;

import io.mediapipeline.flow.Durable;
import io.mediapipeline.flow.Guard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local removal through trash/: a file leaves its place only into pipeline.home/trash/&lt;same relative path&gt; (a
 * suffix when the name is taken, never an overwrite), and only after its ledger row says so. Order: the row
 * 'trashing' with both paths commits; the file gets its trash name (a hard link, else a copy synced to the
 * disk) and loses its old one; file and both folders are synced; the row becomes 'trashed' with purge_after.
 * A crash anywhere leaves a 'trashing' row that {@link TrashRecovery} finishes or undoes.
 */
class Trash {

    private static final Logger LOG = LoggerFactory.getLogger(Trash.class);

    private final Path home;
    private final Path trash;
    private final CleanupLedger ledger;
    private final Duration retention;

    Trash(Path home, CleanupLedger ledger, Duration retention) {
        this.home = home;
        this.trash = home.resolve("trash");
        this.ledger = ledger;
        this.retention = retention;
    }

    /** What is moved: the file (under pipeline.home), whose bytes are proven by {@code proof}. */
    record Removal(UUID mediaId, long runId, String kind, Path file, long size, String sha256, String proof) {
    }

    /** Moves the file into trash/ as described above; returns where it went. The guard is asked just before. */
    Path move(Removal r, Guard guard) throws IOException {
        String relative = relative(r.file());
        Path target = freeName(trash.resolve(relative));
        guard.require();
        long row = ledger.trashing(r.mediaId(), r.runId(), r.kind(), relative, relative(target), r.size(), r.sha256(),
                r.proof());
        try {
            place(r.file(), target);
        } catch (IOException | RuntimeException e) {
            if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS) && Files.exists(r.file(), LinkOption.NOFOLLOW_LINKS)) {
                // nothing moved: the row says so now rather than at the next start
                ledger.finish(row, "trashing", "undone", "the move into trash/ failed, the file stays: " + e.getMessage());
            }
            throw e;
        }
        ledger.trashed(row, retention, null);
        LOG.info("Moved to trash ({}): {} -> {}", r.kind(), relative, relative(target));
        return target;
    }

    /** Gives the file its trash name and takes its old one, durably (both folders synced). */
    private static void place(Path file, Path target) throws IOException {
        Durable.createDirectories(target.getParent());
        try {
            Files.createLink(target, file);
            Durable.syncDir(target.getParent()); // the trash name is on the disk before the old one goes
            Files.delete(file);
        } catch (UnsupportedOperationException | IOException e) {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) || !Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                throw e; // not a cross-device link: something else is wrong, the recovery looks at the row
            }
            // trash/ on another file system: a copy synced to the disk, given its name without overwriting, then the
            // source goes
            Path tmp = target.resolveSibling("." + UUID.randomUUID() + io.mediapipeline.flow.FileStore.TEMP_SUFFIX);
            try {
                Files.copy(file, tmp, StandardCopyOption.COPY_ATTRIBUTES);
                Durable.syncFile(tmp);
                Files.createLink(target, tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
            Durable.syncDir(target.getParent());
            Files.delete(file);
        }
        Durable.syncFile(target);
        Durable.syncDir(target.getParent());
        Durable.syncDir(file.getParent());
    }

    /** The trash place for a path, with _1, _2... when a file or an open row holds the name already. */
    private Path freeName(Path wanted) throws IOException {
        String name = wanted.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        for (int n = 0; n < 10_000; n++) {
            Path candidate = wanted.resolveSibling(n == 0 ? name : stem + "_" + n + ext);
            if (!Files.exists(candidate, LinkOption.NOFOLLOW_LINKS) && !ledger.trashPathTaken(relative(candidate))) {
                return candidate;
            }
        }
        throw new IOException("no free name in trash/ for " + wanted);
    }

    /** A path relative to pipeline.home, as local_removals keeps it. */
    String relative(Path p) {
        return home.relativize(p.toAbsolutePath().normalize()).toString();
    }

    Path resolve(String relative) {
        return home.resolve(relative);
    }

    Path folder() {
        return trash;
    }

    Duration retention() {
        return retention;
    }
}
