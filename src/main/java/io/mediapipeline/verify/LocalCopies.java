package io.mediapipeline.verify;

import io.mediapipeline.flow.InodeHashes;
import io.mediapipeline.media.Hasher;
import java.io.IOException;
import java.nio.file.Files;
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

    /** What was found: per copy what was compared, the problems (empty = all good), a compressed sha256 to record. */
    record Result(List<Map<String, Object>> copies, List<String> problems, String recordSha256) {
    }

    private final Path home;
    private final InodeHashes.Reader reader;

    LocalCopies(Path home, InodeHashes.Reader reader) {
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

    /** One file's check: the copies that passed, the problems, and each read path's role (for "sameFileAs"). */
    private final class Check {
        private final List<Map<String, Object>> copies = new ArrayList<>();
        private final List<String> problems = new ArrayList<>();
        private final InodeHashes hashes = new InodeHashes(reader);
        private final Map<Path, String> roleByPath = new HashMap<>();

        /** Checks one copy; returns the sha256 found, or null when it is not what the ledger says. */
        String copy(String role, String path, String expectedSha, Long expectedSize, String comparedWith) {
            if (path == null) {
                problems.add(role + ": no path recorded");
                return null;
            }
            Path p = Path.of(path);
            String shown = role + " " + shown(p);
            roleByPath.putIfAbsent(p, role);
            InodeHashes.Copy found = hashes.check(p, expectedSize, expectedSha);
            String problem = switch (found.outcome()) {
                case OK -> null;
                case MISSING -> "missing";
                case SYMBOLIC_LINK -> "is a symbolic link, not the file itself";
                case NOT_REGULAR -> "is not a regular file";
                case WRONG_SIZE -> "size " + found.seen().size() + " bytes, expected " + expectedSize;
                case UNREADABLE -> "cannot be read: " + found.error();
                case CHANGED -> "sha256 " + abbrev(found.sha256()) + " expected " + abbrev(expectedSha);
            };
            if (problem != null) {
                problems.add(shown + ": " + problem);
                return null;
            }
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("copy", role);
            e.put("path", shown(p));
            e.put("size", found.seen().size());
            if (found.sameFileAs() != null) {
                e.put("sameFileAs", roleByPath.get(found.sameFileAs()));
            }
            e.put("inode", String.valueOf(found.seen().inode()));
            e.put("sha256", found.sha256());
            e.put("comparedWith", comparedWith);
            copies.add(e);
            return found.sha256();
        }

        /**
         * A compressed copy made before its sha256 was recorded: the original's when it is a link of the original,
         * else what the iCloud upload sent from that path, else its bytes now (said so; the
         * verifier records them only with a 'verified' outcome).
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

    /** A path under pipeline.home as the operator sees it there (sorted/photos/...), any other in full. */
    private String shown(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(home) ? home.relativize(abs).toString() : abs.toString();
    }

    private static String abbrev(String sha) {
        return sha.length() > 12 ? sha.substring(0, 12) + "…" : sha;
    }
}
