package io.mediapipeline.verify;

import io.mediapipeline.media.Hasher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks one file's local copies against the ledger: the archive copy (sorted/), the original (originals/) and the
 * compressed copy, each a regular file (not a symbolic link) with the recorded size and sha256. Copies that are hard
 * links of one inode are read once.
 */
final class LocalCopies {

    /** How a copy's bytes are hashed (a test counts the reads). */
    interface Reader {
        String sha256(Path file) throws IOException;
    }

    /** What was found: per copy what was compared, the problems (empty = all good), a compressed sha256 to record. */
    record Result(List<Map<String, Object>> copies, List<String> problems, String recordSha256) {
    }

    private final Path home;
    private final Reader reader;

    LocalCopies(Path home, Reader reader) {
        this.home = home.toAbsolutePath().normalize();
        this.reader = reader;
    }

    LocalCopies(Path home) {
        this(home, Hasher::sha256);
    }

    /**
     * Why no copy can be judged now: the archive or originals folder itself is not there (a disk not mounted), which
     * would otherwise read as every file missing.
     */
    Optional<String> unmounted() {
        for (String dir : List.of("sorted", "originals")) {
            if (!Files.isDirectory(home.resolve(dir))) {
                return Optional.of(home.resolve(dir) + " is not there (is the disk mounted?)");
            }
        }
        return Optional.empty();
    }

    Result check(VerifyLedger.Candidate c) {
        Check check = new Check();
        check.copy("archive copy", c.archivePath(), c.sha256(), c.size(), "media_files.sha256");
        check.copy("original", c.originalPath(), c.sha256(), c.size(), "media_files.sha256");
        String recordSha = null;
        if (c.compressedPath() != null) {
            if (c.compressedSha256() != null) {
                check.copy("compressed copy", c.compressedPath(), c.compressedSha256(), c.compressedSize(),
                        "media_files.compressed_sha256");
            } else {
                recordSha = check.legacyCompressed(c);
            }
        }
        return new Result(check.copies, check.problems, recordSha);
    }

    /** One file's check: the inodes read so far and their hashes. */
    private final class Check {
        private final List<Map<String, Object>> copies = new ArrayList<>();
        private final List<String> problems = new ArrayList<>();
        private final Map<String, String> hashByInode = new HashMap<>();
        private final Map<String, String> roleByInode = new HashMap<>();

        /** Checks one copy; returns the sha256 found, or null when it could not be read or is not a plain file. */
        String copy(String role, String path, String expectedSha, Long expectedSize, String comparedWith) {
            if (path == null) {
                problems.add(role + ": no path recorded");
                return null;
            }
            Path p = Path.of(path);
            String shown = shown(p);
            try {
                if (Files.isSymbolicLink(p)) {
                    problems.add(role + " " + shown + ": is a symbolic link, not the file itself");
                    return null;
                }
                if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    problems.add(role + " " + shown + ": missing");
                    return null;
                }
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    problems.add(role + " " + shown + ": is not a regular file");
                    return null;
                }
                long size = Files.size(p);
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("copy", role);
                e.put("path", shown);
                e.put("size", size);
                if (expectedSize != null && size != expectedSize) {
                    problems.add(role + " " + shown + ": size " + size + " bytes, expected " + expectedSize);
                    return null;
                }
                String inode = inode(p);
                String sha = hashByInode.get(inode);
                if (sha == null) {
                    sha = reader.sha256(p);
                    hashByInode.put(inode, sha);
                    roleByInode.put(inode, role);
                } else {
                    e.put("sameFileAs", roleByInode.get(inode));
                }
                e.put("inode", inode);
                e.put("sha256", sha);
                e.put("comparedWith", comparedWith);
                if (expectedSha != null && !sha.equals(expectedSha)) {
                    problems.add(role + " " + shown + ": sha256 " + abbrev(sha) + " expected " + abbrev(expectedSha));
                    return null;
                }
                copies.add(e);
                return sha;
            } catch (IOException | RuntimeException ex) {
                problems.add(role + " " + shown + ": cannot be read: " + ex.getMessage());
                return null;
            }
        }

        /**
         * A compressed copy made before its sha256 was recorded: the original's when it is a link of the original,
         * else what the iCloud upload sent from that path, else its bytes now (recorded, and said so).
         */
        String legacyCompressed(VerifyLedger.Candidate c) {
            String role = "compressed copy";
            String expected;
            String how;
            if (sameFile(c.compressedPath(), c.originalPath())) {
                expected = c.sha256();
                how = "media_files.sha256 (a link of the original)";
            } else if (c.icloudSha256() != null) {
                expected = c.icloudSha256();
                how = "deliveries.uploaded_sha256 (what went up to iCloud from this path)";
            } else {
                expected = null;
                how = "recorded at first verify";
            }
            return copy(role, c.compressedPath(), expected, c.compressedSize(), how);
        }
    }

    private static boolean sameFile(String a, String b) {
        try {
            return a != null && b != null && Files.isSameFile(Path.of(a), Path.of(b));
        } catch (IOException e) {
            return false;
        }
    }

    /** The device and inode number: copies with the same are one file on disk. */
    private static String inode(Path p) throws IOException {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:dev,ino", LinkOption.NOFOLLOW_LINKS);
            return a.get("dev") + ":" + a.get("ino");
        } catch (UnsupportedOperationException e) {
            return p.toRealPath().toString();
        }
    }

    /** A path under pipeline.home as the operator sees it there (sorted/photos/...), any other in full. */
    private String shown(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(home) ? home.relativize(abs).toString() : abs.toString();
    }

    private static String abbrev(String sha) {
        return sha.length() > 12 ? sha.substring(0, 12) + "…" : sha;
    }
}
