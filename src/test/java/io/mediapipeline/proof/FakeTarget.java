package io.mediapipeline.proof;

import io.mediapipeline.flow.TargetProof;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A delivery target whose truth the property test sets file by file (not delivered yet, there now, lost), and that
 * remembers what it last answered for each file: that answer is what the pipeline knew when it acted.
 */
final class FakeTarget implements TargetProof {

    private final String name;
    private volatile boolean enabled;
    private volatile String copiesMustStay;
    private final Map<UUID, State> truth = new ConcurrentHashMap<>();
    private final Map<UUID, State> answered = new ConcurrentHashMap<>();

    FakeTarget(String name, boolean enabled) {
        this.name = name;
        this.enabled = enabled;
    }

    @Override
    public String target() {
        return name;
    }

    @Override
    public boolean enabled() {
        return enabled;
    }

    @Override
    public Map<UUID, Verdict> check(Collection<UUID> mediaFileIds) {
        Map<UUID, Verdict> out = new LinkedHashMap<>();
        for (UUID id : mediaFileIds) {
            State s = truth(id);
            answered.put(id, s);
            out.put(id, switch (s) {
                case PROVEN -> Verdict.proven(Map.of("target", name, "seen", "fake " + name + " holds it"));
                // asking again at once: the test, not a clock, decides when things change
                case WAITING -> Verdict.waiting(name + ": not there yet", Instant.now().minusSeconds(1));
                case MISSING -> Verdict.missing(name + ": had it, lost it");
            });
        }
        return out;
    }

    @Override
    public Optional<String> localCopiesMustStay() {
        return Optional.ofNullable(copiesMustStay);
    }

    State truth(UUID id) {
        return truth.getOrDefault(id, State.WAITING);
    }

    /** What the pipeline last heard about the file (null: never asked). */
    State answered(UUID id) {
        return answered.get(id);
    }

    void set(UUID id, State state) {
        truth.put(id, state);
    }

    void enabled(boolean on) {
        enabled = on;
    }

    /** Null: the phone's folder ignores deletes, so the bridge copies may go. */
    void copiesMustStay(String why) {
        copiesMustStay = why;
    }

    boolean copiesMayGo() {
        return copiesMustStay == null;
    }

    void forgetAll() {
        truth.clear();
        answered.clear();
    }
}
