package io.mediapipeline.cleanup;

import io.mediapipeline.flow.Guard;
import io.mediapipeline.flow.OriginalRemoval;
import io.mediapipeline.flow.TargetProof;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cleanup pass: the beans it asks (found in the registry when the pass starts, so a bean bound or rebound
 * later counts), the Pixel's answer about its bridge copies (asked once per pass, its reason logged once), and
 * what the pass did, for its summary line.
 */
final class Pass {

    private static final Logger LOG = LoggerFactory.getLogger(Pass.class);

    /** What cleanup finds in the registry. */
    interface Beans {
        Guard guard();

        Optional<TargetProof> target(String name);

        Optional<OriginalRemoval> removal(String source);
    }

    final long runId;
    final Guard guard;
    private final Beans beans;
    private Optional<String> bridgeStays;
    private final Map<String, Integer> counts = new TreeMap<>();

    Pass(long runId, Beans beans) {
        this.runId = runId;
        this.beans = beans;
        this.guard = beans.guard();
    }

    /** Why the Pixel bridge copies must stay this pass, or empty when they may go. */
    Optional<String> bridgeStays() {
        if (bridgeStays == null) {
            bridgeStays = beans.target("pixel").map(TargetProof::localCopiesMustStay)
                    .orElse(Optional.of("no Pixel target is bound to say whether the phone keeps its copies"));
            bridgeStays.ifPresent(why -> LOG.info("Cleanup: the Pixel bridge copies stay this pass: {}", why));
        }
        return bridgeStays;
    }

    Optional<OriginalRemoval> removal(String source) {
        return beans.removal(source);
    }

    void count(String what) {
        counts.merge(what, 1, Integer::sum);
    }

    Map<String, Integer> counts() {
        return counts;
    }
}
