package io.mediapipeline.flow;

import io.mediapipeline.media.Hasher;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Puts a file into a folder without ever overwriting and without a half file ever carrying a real
 * name: links or copies go to a dot-named temp file (which every consumer ignores) and appear under
 * their final name in one step. A clash with different content gets a suffix (_1, _2, ...); a clash
 * with the same content is the same file placed before a crash, and is reused. Every placement is
 * durable (file and directory entry fsynced) when this returns, so the caller may record it.
 */
public final class FileStore {

    /** Temp names start with a dot (Camel's file consumers skip those) and end with this. */
    public static final String TEMP_SUFFIX = ".mp-tmp";

    public enum Mode { LINK_OR_COPY, COPY }

    /** Asked before every placement: while the NAS is away or space is short nothing is written. */
    private static volatile Guard guard = Guard.OPEN;

    private FileStore() {
    }

    /** The service installs its guard once at start; tools and tests that do not stay with {@link Guard#OPEN}. */
    public static void install(Guard g) {
        guard = g == null ? Guard.OPEN : g;
    }

    /** The installed guard (what steps that delete by other means ask too). */
    public static Guard guard() {
        return guard;
    }

    public static Path place(Path source, Path dir, String name, String sha256, Mode mode) throws IOException {
        return place(source, dir, name, sha256, mode, false);
    }

    /**
     * @param sha256   the content as hashed earlier: a copy that reads differently is refused
     *                 ({@link SourceChangedException}) and leaves nothing behind
     * @param readOnly make the placed file 0444 before it gets its name (originals: every link shares the mode)
     */
    public static Path place(Path source, Path dir, String name, String sha256, Mode mode, boolean readOnly)
            throws IOException {
        return place(source, dir, name, sha256, mode, readOnly, true);
    }

    /**
     * As above; with syncDir false the new directory entry is not fsynced here: a caller placing a batch syncs
     * each directory it touched once ({@link Durable#syncDir}) before it records any of them.
     */
    public static Path place(Path source, Path dir, String name, String sha256, Mode mode, boolean readOnly,
                             boolean syncDir) throws IOException {
        guard.require();
        Durable.createDirectories(dir);
        String safe = safeName(name);
        int dot = safe.lastIndexOf('.');
        String stem = dot > 0 ? safe.substring(0, dot) : safe;
        String ext = dot > 0 ? safe.substring(dot) : "";
        // link(2) does not follow a symbolic link: linking one would make the "original" a link to anywhere
        boolean mayLink = mode == Mode.LINK_OR_COPY && Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS);
        for (int n = 0; n < 10_000; n++) {
            Path candidate = dir.resolve(n == 0 ? safe : stem + "_" + n + ext);
            if (Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
                if (sameContent(candidate, source, sha256)) {
                    renew(candidate);
                    return settled(candidate, readOnly, syncDir);
                }
                continue;
            }
            if (mayLink) {
                if (readOnly) {
                    Durable.makeReadOnly(source);
                }
                // a link shares the inode: its bytes (written by someone else) must be on the disk before the name
                Durable.syncFile(source);
                if (tryLink(candidate, source)) {
                    return settled(candidate, false, syncDir);
                }
            }
            if (Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
                continue; // someone else took the name between our check and link attempt
            }
            Path tmp = dir.resolve("." + UUID.randomUUID() + TEMP_SUFFIX);
            try {
                copyVerified(source, tmp, sha256, readOnly);
                if (publish(tmp, candidate)) {
                    return settled(candidate, false, syncDir);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        throw new IOException("no free name for " + name + " in " + dir);
    }

    /** Atomically replaces target with a link to source (hand-off queues, where the name is the id). */
    public static void linkReplacing(Path source, Path target) throws IOException {
        linkReplacing(source, target, true);
    }

    /**
     * As above; with synced false neither the source nor the new entry is fsynced here: for a batch whose sources are
     * on the disk already and whose caller syncs the target directory once for all of them.
     */
    public static void linkReplacing(Path source, Path target, boolean synced) throws IOException {
        guard.require();
        Durable.createDirectories(target.getParent());
        if (synced) {
            Durable.syncFile(source); // an encode fresh from the tools is not on the disk yet
        }
        Path tmp = target.resolveSibling("." + UUID.randomUUID() + TEMP_SUFFIX);
        try {
            if (!tryLink(tmp, source)) {
                Files.copy(source, tmp);
                Durable.syncFile(tmp);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            if (synced) {
                Durable.syncDir(target.getParent());
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Links (or atomically copies) source to target unless target exists already; durable when this returns.
     *
     * @return false when target was there before
     */
    public static boolean linkOrCopyNew(Path source, Path target) throws IOException {
        guard.require();
        Path dir = target.getParent();
        Durable.createDirectories(dir);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Durable.syncFile(source);
        boolean placed = tryLink(target, source);
        if (!placed && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            Path tmp = dir.resolve("." + UUID.randomUUID() + TEMP_SUFFIX);
            try {
                copyVerified(source, tmp, null, false);
                placed = publish(tmp, target);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        Durable.syncDir(dir);
        return placed;
    }

    /**
     * Moves a file the pipeline owns but cannot read (so cannot copy or hash) into dir under a free name, never
     * overwriting: a hard link where the file system allows it, else a rename to a name nobody else can have chosen.
     * Durable when this returns.
     */
    public static Path moveNew(Path source, Path dir, String name) throws IOException {
        guard.require();
        Durable.createDirectories(dir);
        String safe = safeName(name);
        Path target = dir.resolve(safe);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) || !tryLink(target, source)) {
            target = dir.resolve(UUID.randomUUID().toString().substring(0, 8) + "_" + safe);
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
            Durable.syncDir(dir);
        } else {
            Durable.syncDir(dir); // the new name is on the disk before the old one goes
            Files.delete(source);
        }
        Durable.syncDir(source.getParent());
        return target;
    }

    /** One pass: the bytes go to tmp and through SHA-256; tmp is on the disk, with the source's times, when this returns. */
    private static void copyVerified(Path source, Path tmp, String sha256, boolean readOnly) throws IOException {
        String copied;
        try (InputStream in = Files.newInputStream(source);
             OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            copied = Hasher.sha256(in, out);
        }
        if (sha256 != null && !copied.equals(sha256)) {
            throw new SourceChangedException(source + " changed after it was hashed (sha256 " + sha256.substring(0, 12)
                    + ", copied " + copied.substring(0, 12) + "); it is taken again once it is stable");
        }
        Files.setLastModifiedTime(tmp, Files.getLastModifiedTime(source));
        if (readOnly) {
            Durable.makeReadOnly(tmp);
        } else {
            try {
                Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(source));
            } catch (UnsupportedOperationException ignored) {
                // no POSIX modes to keep
            }
        }
        Durable.syncFile(tmp);
    }

    /**
     * Sets the mode a reused file already has, which renews its change time: ingest's start-up sweep of files no row
     * names goes by that time, and must not take a file a batch has just chosen again.
     */
    private static void renew(Path reused) throws IOException {
        try {
            Files.setPosixFilePermissions(reused, Files.getPosixFilePermissions(reused, LinkOption.NOFOLLOW_LINKS));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: no change time to renew
        }
    }

    /** The name is in place: make sure it is on the disk (it may be from before a crash) and read-only if asked. */
    private static Path settled(Path placed, boolean readOnly, boolean syncDir) throws IOException {
        if (readOnly) {
            Durable.makeReadOnly(placed);
        }
        if (syncDir) {
            Durable.syncDir(placed.getParent());
        }
        return placed;
    }

    private static boolean tryLink(Path link, Path existing) throws IOException {
        try {
            Files.createLink(link, existing);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | IOException e) {
            // Different file system or a mount without hard links: the caller copies instead.
            return false;
        }
    }

    /** Gives tmp its final name only if that name is still free (link is atomic and never overwrites). */
    private static boolean publish(Path tmp, Path target) throws IOException {
        try {
            Files.createLink(target, tmp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | IOException e) {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return true;
        }
    }

    /** A regular file (never a link or folder someone put there) holding exactly this content. */
    private static boolean sameContent(Path candidate, Path source, String sha256) throws IOException {
        if (!Files.isRegularFile(candidate, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        if (Files.isSameFile(candidate, source)) {
            return true;
        }
        return Files.size(candidate) == Files.size(source) && Hasher.sha256(candidate).equals(sha256);
    }

    /** File names as users give them, minus what breaks folders or hides files. */
    public static String safeName(String name) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            sb.append(ch == '/' || ch == '\\' || Character.isISOControl(ch) ? '_' : ch);
        }
        String s = sb.toString().strip();
        if (s.isEmpty() || s.startsWith(".")) {
            s = "_" + s;
        }
        // Stay well inside the 255-byte name limit of common file systems.
        while (s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 200) {
            int dot = s.lastIndexOf('.');
            String ext = dot > 0 && s.length() - dot <= 10 ? s.substring(dot) : "";
            s = s.substring(0, Math.max(1, s.length() - ext.length() - 10)) + ext;
        }
        return s;
    }

    /**
     * Whether a general sweep may remove this temp: every temp but a Motion Photo's ({@code *.MP.jpg.mp-tmp}), which
     * the ledger may already record as staged (its rows come before its name): the Pixel stage's start gives a
     * recorded one its name and sweeps the rest itself.
     */
    public static boolean sweepable(Path p) {
        String name = p.getFileName().toString();
        return name.endsWith(TEMP_SUFFIX) && !name.endsWith(".MP.jpg" + TEMP_SUFFIX);
    }

    /** Removes temp files a crash left behind (see {@link #sweepable}). */
    public static int sweepTemps(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        int[] n = {0};
        try (var walk = Files.walk(root)) {
            walk.filter(FileStore::sweepable).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                    n[0]++;
                } catch (IOException ignored) {
                    // best effort: a later sweep tries again
                }
            });
        }
        return n[0];
    }
}
