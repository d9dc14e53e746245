package io.mediapipeline.cleanup;

import io.mediapipeline.flow.InodeHashes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The copies the ledger names for a verified file (its original and its archive copy), checked just before
 * anything of that file is removed: each must be there, a regular file of the recorded size whose bytes hash to
 * the recorded sha256. Links of one inode are hashed once. A removed copy whose inode is one of them needs no
 * hashing of its own: its bytes stay where the ledger says.
 */
final class LedgerCopies {

    /** The outcome: ok, or the problem; the proof (what was checked) for the removal rows; the hashes read. */
    record Checked(String problem, Map<String, Object> proof, InodeHashes hashes) {

        boolean ok() {
            return problem == null;
        }
    }

    private LedgerCopies() {
    }

    static Checked check(CleanupLedger.Candidate f) {
        Map<String, Object> proof = new LinkedHashMap<>();
        InodeHashes hashes = new InodeHashes();
        String problem = null;
        for (String which : new String[] {"original", "archive"}) {
            String recorded = which.equals("original") ? f.originalPath() : f.archivePath();
            String issue = recorded == null ? "no " + which + " copy recorded" : one(which, Path.of(recorded), f, proof, hashes);
            if (issue != null && problem == null) {
                problem = issue;
            }
        }
        return new Checked(problem, proof, hashes);
    }

    private static String one(String which, Path p, CleanupLedger.Candidate f, Map<String, Object> proof,
                              InodeHashes hashes) {
        InodeHashes.Copy c = hashes.check(p, f.size(), f.sha256());
        String copy = "the " + which + " copy " + p;
        switch (c.outcome()) {
            case OK -> {
            }
            case MISSING, SYMBOLIC_LINK, NOT_REGULAR -> {
                return copy + " is missing";
            }
            case WRONG_SIZE -> {
                return copy + " has " + c.seen().size() + " bytes, the ledger says " + f.size();
            }
            case UNREADABLE -> {
                return copy + " cannot be read: " + c.error();
            }
            case CHANGED -> {
                return copy + " no longer hashes to the ledger's sha256";
            }
        }
        String how = c.sameFileAs() != null ? "same file as the original" : "sha256 matches";
        proof.put(which, Map.of("path", p.toString(), "size", c.seen().size(), "checked", how));
        return null;
    }

    /**
     * Whether a copy about to be removed holds the file's bytes: a regular file that is one of the checked inodes
     * (not read again), or whose bytes hash to the same sha256. A copy that went or cannot be read is an error.
     */
    static boolean holdsBytes(Path copy, Checked checked, String sha256) throws IOException {
        InodeHashes.Copy c = checked.hashes().check(copy, null, sha256);
        if (c.outcome() == InodeHashes.Outcome.MISSING || c.outcome() == InodeHashes.Outcome.UNREADABLE) {
            throw new IOException(copy + (c.error() == null ? " is not there" : " cannot be read: " + c.error()));
        }
        return c.ok();
    }
}
