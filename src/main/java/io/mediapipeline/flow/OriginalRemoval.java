package io.mediapipeline.flow;

import java.util.UUID;

/**
 * Removal of a file's original from the service it was downloaded from (iCloud), asked only by cleanup, only for
 * a verified file. The source stage binds one in the registry and keeps its own rules (it refuses what it cannot
 * prove safe); cleanup decides when to ask.
 */
public interface OriginalRemoval {

    /** The source whose originals this removes, as in {@code media_files.source}: "icloud". */
    String source();

    /** Whether removing originals is switched on at all. */
    boolean enabled();

    /**
     * Finds the file's original at its source and, unless {@code dryRun}, removes it, approved by {@code approvedBy}
     * because of {@code why} (the proofs cleanup relied on). Never throws: the outcome says what happened.
     */
    Outcome remove(UUID mediaFileId, String approvedBy, String why, boolean dryRun);

    enum State {
        /** Removed, and read back as removed. */
        REMOVED,
        /** Dry run: found and would be removed; nothing changed. */
        WOULD_REMOVE,
        /** The file did not come from this source: nothing to do, ever. */
        NOT_APPLICABLE,
        /** A rule forbids it (the detail says which); asking again changes nothing until the facts change. */
        REFUSED,
        /** Could not be done now (service unreachable, throttled); try again later. */
        FAILED
    }

    record Outcome(State state, String detail) {
    }
}
