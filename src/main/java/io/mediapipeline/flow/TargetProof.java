package io.mediapipeline.flow;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A delivery target's proof that it holds a file, asked by the verify stage for each file before it is marked
 * verified. Each target stage (Pixel, iCloud) binds one in the registry; verify asks every bean of this type that
 * is {@link #enabled}, so a stage that is off proves nothing and blocks nothing.
 */
public interface TargetProof {

    /** The target's name in {@code deliveries.target}: "pixel" or "icloud". */
    String target();

    /** Whether the target is switched on. */
    boolean enabled();

    /**
     * Looks at each file's copy on the target now (a few hundred ids at most per call) and answers for every id.
     * Never throws for one file: a target that cannot be asked at all (service down, phone offline) answers
     * {@link State#WAITING} for each file, with the reason.
     */
    Map<UUID, Verdict> check(Collection<UUID> mediaFileIds);

    /**
     * Why removing the pipeline's local staging copies for this target (the Pixel bridge) would also remove the
     * target's own copies, e.g. the phone's folder does not ignore deletes; empty when they may go. Cleanup asks
     * before it removes any.
     */
    default Optional<String> localCopiesMustStay() {
        return Optional.empty();
    }

    enum State {
        /** The copy is there now; the evidence says how it was seen. */
        PROVEN,
        /** Not provable yet: not delivered or confirmed yet, hold not passed, target unreachable. Asked again later. */
        WAITING,
        /** The target had the file and no longer has it, or its delivery failed for good: the operator must look. */
        MISSING
    }

    /**
     * One file's answer. {@code evidence} (PROVEN only) is stored as JSON with the verification; {@code retryAfter}
     * (WAITING only, may be null) is when asking again makes sense, e.g. the end of a hold.
     */
    record Verdict(State state, String reason, Map<String, Object> evidence, Instant retryAfter) {

        public static Verdict proven(Map<String, Object> evidence) {
            return new Verdict(State.PROVEN, null, evidence, null);
        }

        public static Verdict waiting(String reason, Instant retryAfter) {
            return new Verdict(State.WAITING, reason, null, retryAfter);
        }

        public static Verdict missing(String reason) {
            return new Verdict(State.MISSING, reason, null, null);
        }
    }
}
