package io.mediapipeline.compress;

import io.mediapipeline.flow.FileStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.UUID;

/**
 * compressed/ (mirroring originals/) and the scratch folder work/.compress-scratch/ where every encode is written:
 * a file gets its real name in compressed/ only by an atomic rename after the gate, so a crash never leaves a
 * half-written copy under a real name.
 */
final class CompressedStore {

    private static final long MARGIN = 64L << 20;

    private final Path originals;
    private final Path compressed;
    private final Path scratch;

    CompressedStore(Path home) throws IOException {
        this.originals = home.resolve("originals");
        this.compressed = home.resolve("compressed");
        this.scratch = home.resolve("work").resolve(".compress-scratch");
        // Whatever is here was being written when the last run ended: never a result.
        if (Files.isDirectory(scratch)) {
            try (var s = Files.list(scratch)) {
                for (Path p : s.toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        Files.createDirectories(scratch);
    }

    /** A fresh scratch file name for an encode of the content {@code sha}. */
    Path scratchFile(String sha, String ext) {
        return scratch.resolve(sha + "." + UUID.randomUUID() + "." + ext);
    }

    /** Fails the encode before it starts when the scratch disk cannot hold it (plus a margin). */
    void ensureSpace(long needed) throws IOException {
        long free = Files.getFileStore(scratch).getUsableSpace();
        if (free < needed + MARGIN) {
            throw new IOException("not enough free space for the encode: " + (free >> 20) + " MiB free, "
                    + (needed >> 20) + " MiB needed (+64 MiB margin)");
        }
    }

    /** Removes an encode's scratch files (null ones skipped). */
    void discard(Path... files) throws IOException {
        for (Path p : files) {
            if (p != null) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Puts {@code source} (the encode, or the original itself) at the file's own name in compressed/: the original's
     * name (unique there: date, time and a hash prefix) with the output's extension. An earlier copy under that name
     * (another tier, or the original linked after a failure) is replaced by an atomic rename, never edited, so the
     * name stays stable and a crash before the ledger write leaves no orphan: the row is still due and the next
     * attempt replaces the file again.
     */
    Path place(Path original, Path source, String name) throws IOException {
        Path target = mirrorDir(original).resolve(FileStore.safeName(name));
        if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && Files.isSameFile(target, source)) {
            return target;
        }
        FileStore.linkReplacing(source, target);
        return target;
    }

    /** A copy under another name (e.g. .mp4 before, the original's .m4v now) is removed once the ledger points elsewhere. */
    void dropPrevious(String previous, Path now) throws IOException {
        if (previous == null) {
            return;
        }
        Path before = Path.of(previous).toAbsolutePath().normalize();
        if (!before.equals(now.toAbsolutePath().normalize()) && before.startsWith(compressed.toAbsolutePath().normalize())) {
            Files.deleteIfExists(before);
        }
    }

    /** Where {@code placed} is, as the log shows it. */
    Path relative(Path placed) {
        return compressed.relativize(placed);
    }

    Path mirrorDir(Path original) {
        Path o = original.toAbsolutePath().normalize();
        Path root = originals.toAbsolutePath().normalize();
        if (o.startsWith(root) && o.getParent() != null) {
            return compressed.resolve(root.relativize(o.getParent()).toString());
        }
        return compressed.resolve("other");
    }
}
