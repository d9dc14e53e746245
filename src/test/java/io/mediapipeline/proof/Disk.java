package io.mediapipeline.proof;

import io.mediapipeline.media.Hasher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/** The property test's file chores: hashing with a cache, read-only writes, links, wiping, and a picture of a tree. */
final class Disk {

    private final Map<Path, String[]> hashed = new ConcurrentHashMap<>();

    /** The file's sha256 ("absent" when there is none), read again only when its inode, size or times changed. */
    String sha(Path p) {
        try {
            if (!Files.isRegularFile(p)) {
                return "absent";
            }
            var a = Files.readAttributes(p, "unix:ino,size,lastModifiedTime,ctime");
            String key = a.get("ino") + "/" + a.get("size") + "/" + a.get("lastModifiedTime") + "/" + a.get("ctime");
            String[] known = hashed.get(p);
            if (known != null && known[0].equals(key)) {
                return known[1];
            }
            String sha = Hasher.sha256(p);
            hashed.put(p, new String[] {key, sha});
            return sha;
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    /** Every file and folder under the home's folders, with what identifies its content (inode, size, mtime). */
    Map<String, String> tree(Path home, List<String> folders) {
        Map<String, String> out = new TreeMap<>();
        for (String folder : folders) {
            Path dir = home.resolve(folder);
            if (!Files.exists(dir)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.toList()) {
                    var a = Files.readAttributes(p, "unix:ino,size,lastModifiedTime,isDirectory");
                    out.put(home.relativize(p).toString(), Boolean.TRUE.equals(a.get("isDirectory")) ? "dir"
                            : a.get("ino") + "/" + a.get("size") + "/" + a.get("lastModifiedTime"));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** A new read-only file, as the pipeline keeps originals and their links. */
    static void write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
    }

    static void linkOrCopy(Path from, Path to, boolean link) throws IOException {
        Files.createDirectories(to.getParent());
        if (link) {
            Files.createLink(to, from);
        } else {
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                if (Files.isDirectory(p)) {
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
                }
                Files.delete(p);
            }
        }
    }
}
