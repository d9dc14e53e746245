package io.mediapipeline.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Everything a user would notice changed in a folder: each entry's relative name, type, size, modification
 * time, permissions and content hash. Two states are equal only if nothing was added, removed, renamed,
 * touched or rewritten.
 */
public final class FolderState {

    private FolderState() {
    }

    /** relative path -> "type size mtime mode sha256" for every entry under dir (links not followed). */
    public static Map<String, String> of(Path dir) {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String type = a.isRegularFile() ? "file" : a.isDirectory() ? "dir" : a.isSymbolicLink() ? "link" : "other";
                out.put(p.equals(dir) ? "." : dir.relativize(p).toString(), type + " " + (a.isDirectory() ? "-" : a.size()) + " "
                        + a.lastModifiedTime().toInstant() + " " + PosixFilePermissions.toString(a.permissions()) + " "
                        + (a.isRegularFile() ? PipelineHome.sha(p) : "-"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
