package io.mediapipeline.flow;

import io.mediapipeline.media.Hasher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * The copies of one ledger file (original, archive copy, compressed copy, a copy about to be removed) checked against
 * the size and sha256 the ledger recorded. Paths that are hard links of one inode are read once: the second and later
 * get the hash the first read found. Use one instance per file; it remembers what it read.
 *
 * <p>{@link #check} does the usual look-then-hash in one call. A caller that must choose the expected hash after
 * seeing the inode (a compressed copy that is a link of the original holds the original's bytes) uses {@link #look}
 * and {@link #sha256} instead.
 */
public final class InodeHashes {

    /** How a copy's bytes are hashed: a rate-limited reader, or one that counts reads in a test. */
    @FunctionalInterface
    public interface Reader {
        String sha256(Path file) throws IOException;
    }

    /** What a path is, not following a symbolic link. */
    public enum Kind { MISSING, SYMBOLIC_LINK, NOT_REGULAR, REGULAR }

    /** One path as looked at: its kind; for a regular file its size and inode (a file key, or its real path). */
    public record Seen(Path path, Kind kind, long size, Object inode) {

        public boolean regular() {
            return kind == Kind.REGULAR;
        }
    }

    /** How a copy compared with the ledger. */
    public enum Outcome { OK, MISSING, SYMBOLIC_LINK, NOT_REGULAR, WRONG_SIZE, UNREADABLE, CHANGED }

    /**
     * One copy checked: the outcome, what was seen, the sha256 found (null when not read), the path first read for
     * the same inode (null when this path's read was the first) and, when unreadable, why.
     */
    public record Copy(Outcome outcome, Seen seen, String sha256, Path sameFileAs, String error) {

        public boolean ok() {
            return outcome == Outcome.OK;
        }
    }

    private final Reader reader;
    private final Map<Object, String> shaByInode = new HashMap<>();
    private final Map<Object, Path> firstPathByInode = new HashMap<>();

    public InodeHashes(Reader reader) {
        this.reader = reader;
    }

    public InodeHashes() {
        this(Hasher::sha256);
    }

    /** Looks at a path without reading it; a path that is not there is {@link Kind#MISSING}. */
    public Seen look(Path p) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return new Seen(p, Kind.MISSING, -1, null);
        }
        if (a.isSymbolicLink()) {
            return new Seen(p, Kind.SYMBOLIC_LINK, a.size(), null);
        }
        if (!a.isRegularFile()) {
            return new Seen(p, Kind.NOT_REGULAR, a.size(), null);
        }
        Object inode = a.fileKey() != null ? a.fileKey() : p.toRealPath();
        return new Seen(p, Kind.REGULAR, a.size(), inode);
    }

    /** The sha256 of a regular file looked at, read unless a link of its inode was read before by this instance. */
    public String sha256(Seen seen) throws IOException {
        if (!seen.regular()) {
            throw new IllegalArgumentException(seen.path() + " is not a regular file");
        }
        String sha = shaByInode.get(seen.inode());
        if (sha == null) {
            sha = reader.sha256(seen.path());
            shaByInode.put(seen.inode(), sha);
            firstPathByInode.put(seen.inode(), seen.path());
        }
        return sha;
    }

    /** Whether this instance has read the inode of {@code seen} already (a later path of it costs no read). */
    public boolean read(Seen seen) {
        return seen.inode() != null && shaByInode.containsKey(seen.inode());
    }

    /**
     * Checks one copy: a regular file (not a symbolic link), of {@code expectedSize} bytes when that is not null,
     * whose bytes hash to {@code expectedSha256} when that is not null (null: the hash is only found, e.g. to record it).
     */
    public Copy check(Path p, Long expectedSize, String expectedSha256) {
        Seen seen;
        try {
            seen = look(p);
        } catch (IOException | RuntimeException e) {
            return new Copy(Outcome.UNREADABLE, new Seen(p, Kind.MISSING, -1, null), null, null, String.valueOf(e.getMessage()));
        }
        switch (seen.kind()) {
            case MISSING -> {
                return new Copy(Outcome.MISSING, seen, null, null, null);
            }
            case SYMBOLIC_LINK -> {
                return new Copy(Outcome.SYMBOLIC_LINK, seen, null, null, null);
            }
            case NOT_REGULAR -> {
                return new Copy(Outcome.NOT_REGULAR, seen, null, null, null);
            }
            default -> {
            }
        }
        if (expectedSize != null && seen.size() != expectedSize) {
            return new Copy(Outcome.WRONG_SIZE, seen, null, null, null);
        }
        Path first = read(seen) ? firstPathByInode.get(seen.inode()) : null;
        String sha;
        try {
            sha = sha256(seen);
        } catch (IOException | RuntimeException e) {
            return new Copy(Outcome.UNREADABLE, seen, null, null, String.valueOf(e.getMessage()));
        }
        Outcome outcome = expectedSha256 == null || sha.equals(expectedSha256) ? Outcome.OK : Outcome.CHANGED;
        return new Copy(outcome, seen, sha, first, null);
    }
}
