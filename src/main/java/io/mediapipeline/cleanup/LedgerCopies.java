package io.mediapipeline.cleanup;

import io.mediapipeline.media.Hasher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The copies the ledger names for a verified file (its original and its archive copy), checked just before
 * anything of that file is removed: each must be there, a regular file of the recorded size whose bytes hash to
 * the recorded sha256. Links of one inode are hashed once. A removed copy whose inode is one of them needs no
 * hashing of its own: its bytes stay where the ledger says.
 */
final class LedgerCopies {

    /** The outcome: ok, or the problem; the proof (what was checked) for the removal rows. */
    record Checked(String problem, Map<String, Object> proof, Set<Object> inodes) {

        boolean ok() {
            return problem == null;
        }
    }

    private LedgerCopies() {
    }

    static Checked check(CleanupLedger.Candidate f) throws IOException {
        Map<String, Object> proof = new LinkedHashMap<>();
        Set<Object> inodes = new HashSet<>();
        String problem = null;
        for (String which : new String[] {"original", "archive"}) {
            String recorded = which.equals("original") ? f.originalPath() : f.archivePath();
            String issue = recorded == null ? "no " + which + " copy recorded" : one(which, Path.of(recorded), f, proof, inodes);
            if (issue != null && problem == null) {
                problem = issue;
            }
        }
        return new Checked(problem, proof, inodes);
    }

    private static String one(String which, Path p, CleanupLedger.Candidate f, Map<String, Object> proof,
                              Set<Object> inodes) throws IOException {
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            return "the " + which + " copy " + p + " is missing";
        }
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.size() != f.size()) {
            return "the " + which + " copy " + p + " has " + a.size() + " bytes, the ledger says " + f.size();
        }
        String how;
        if (a.fileKey() != null && inodes.contains(a.fileKey())) {
            how = "same file as the original";
        } else if (Hasher.sha256(p).equals(f.sha256())) {
            how = "sha256 matches";
        } else {
            return "the " + which + " copy " + p + " no longer hashes to the ledger's sha256";
        }
        if (a.fileKey() != null) {
            inodes.add(a.fileKey());
        }
        proof.put(which, Map.of("path", p.toString(), "size", a.size(), "checked", how));
        return null;
    }

    /** Whether a copy about to be removed holds the file's bytes: one of the checked inodes, or the same sha256. */
    static boolean holdsBytes(Path copy, Checked checked, String sha256) throws IOException {
        Object key = Files.readAttributes(copy, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        return key != null && checked.inodes().contains(key) || Hasher.sha256(copy).equals(sha256);
    }
}
