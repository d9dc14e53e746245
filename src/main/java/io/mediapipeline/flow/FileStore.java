package io.mediapipeline.flow;

import io.mediapipeline.media.Hasher;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Puts a file into a folder without ever overwriting and without a half file ever carrying a real
 * name: links or copies go to a dot-named temp file (which every consumer ignores) and appear under
 * their final name in one step. A clash with different content gets a suffix (_1, _2, ...); a clash
 * with the same content is the same file placed before a crash, and is reused.
 */
public final class FileStore {

    /** Temp names start with a dot (Camel's file consumers skip those) and end with this. */
    public static final String TEMP_SUFFIX = ".mp-tmp";

    public enum Mode { LINK_OR_COPY, COPY }

    private FileStore() {
    }

    public static Path place(Path source, Path dir, String name, String sha256, Mode mode) throws IOException {
        Files.createDirectories(dir);
        String safe = safeName(name);
        int dot = safe.lastIndexOf('.');
        String stem = dot > 0 ? safe.substring(0, dot) : safe;
        String ext = dot > 0 ? safe.substring(dot) : "";
        for (int n = 0; n < 10_000; n++) {
            Path candidate = dir.resolve(n == 0 ? safe : stem + "_" + n + ext);
            if (Files.exists(candidate, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                if (sameContent(candidate, source, sha256)) {
                    return candidate;
                }
                continue;
            }
            if (mode == Mode.LINK_OR_COPY && tryLink(candidate, source)) {
                return candidate;
            }
            if (Files.exists(candidate)) {
                continue; // someone else took the name between our check and link attempt
            }
            Path tmp = dir.resolve("." + UUID.randomUUID() + TEMP_SUFFIX);
            try {
                Files.copy(source, tmp, StandardCopyOption.COPY_ATTRIBUTES);
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                if (publish(tmp, candidate)) {
                    return candidate;
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        throw new IOException("no free name for " + name + " in " + dir);
    }

    /** Atomically replaces target with a link to source (hand-off queues, where the name is the id). */
    public static void linkReplacing(Path source, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling("." + UUID.randomUUID() + TEMP_SUFFIX);
        try {
            if (!tryLink(tmp, source)) {
                Files.copy(source, tmp);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
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
            if (Files.exists(target)) {
                return false;
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return true;
        }
    }

    private static boolean sameContent(Path candidate, Path source, String sha256) throws IOException {
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

    /** Removes temp files a crash left behind (they are never referenced by the ledger). */
    public static int sweepTemps(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        int[] n = {0};
        try (var walk = Files.walk(root)) {
            walk.filter(p -> p.getFileName().toString().endsWith(TEMP_SUFFIX)).forEach(p -> {
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
