package io.mediapipeline.flow;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * What survives a power cut: a file's bytes and a directory's entries are only on disk once they were
 * fsynced. A new name (link, rename) lives in its parent directory, so the parent is synced after every
 * placement and before the ledger row that points at the name commits.
 */
public final class Durable {

    /** r--r--r--: the mode belongs to the inode, so every hard link of an original is read-only too. */
    public static final Set<PosixFilePermission> READ_ONLY = PosixFilePermissions.fromString("r--r--r--");

    private Durable() {
    }

    /** Flushes a file's data and metadata to the disk. */
    public static void syncFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Flushes a directory's entries (the names linked, renamed or removed in it) to the disk. */
    public static void syncDir(Path dir) throws IOException {
        // Linux opens a directory for reading, and fsync on it flushes its entries.
        syncFile(dir);
    }

    /** Creates dir and its missing parents; each new directory's name is synced into its parent. */
    public static void createDirectories(Path dir) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = dir.toAbsolutePath(); p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        if (missing.isEmpty()) {
            return;
        }
        Files.createDirectories(dir);
        for (Path created : missing) {
            syncDir(created.getParent());
        }
    }

    /** Makes a file read-only for everyone (no-op where the file system has no POSIX modes). */
    public static void makeReadOnly(Path file) throws IOException {
        try {
            if (!Files.getPosixFilePermissions(file).equals(READ_ONLY)) {
                Files.setPosixFilePermissions(file, READ_ONLY);
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to set
        }
    }
}
