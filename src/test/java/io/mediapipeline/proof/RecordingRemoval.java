package io.mediapipeline.proof;

import io.mediapipeline.flow.OriginalRemoval;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The iCloud original's removal as cleanup sees it: every call is judged at the moment it is made (the judge
 * answers a violation or null), and a second real removal of the same original is a violation of its own.
 */
final class RecordingRemoval implements OriginalRemoval {

    private volatile boolean enabled;
    private final Function<UUID, String> judge;
    private final Set<UUID> icloudFiles = ConcurrentHashMap.newKeySet();
    private final Set<UUID> removed = ConcurrentHashMap.newKeySet();
    final List<String> violations = new CopyOnWriteArrayList<>();

    private final java.util.function.BiConsumer<UUID, String> record;

    RecordingRemoval(boolean enabled, Function<UUID, String> judge, java.util.function.BiConsumer<UUID, String> record) {
        this.enabled = enabled;
        this.judge = judge;
        this.record = record;
    }

    @Override
    public String source() {
        return "icloud";
    }

    @Override
    public boolean enabled() {
        return enabled;
    }

    @Override
    public Outcome remove(UUID mediaFileId, String approvedBy, String why, boolean dryRun) {
        if (!icloudFiles.contains(mediaFileId)) {
            return new Outcome(State.NOT_APPLICABLE, "not from iCloud");
        }
        if (dryRun) {
            return new Outcome(State.WOULD_REMOVE, "would go");
        }
        if (!enabled) {
            violations.add("iCloud original of " + mediaFileId + " asked to go while removal is off");
            return new Outcome(State.REFUSED, "removal is off");
        }
        String wrong = judge.apply(mediaFileId);
        if (wrong != null) {
            violations.add("iCloud original of " + mediaFileId + " removed without its proof: " + wrong);
        }
        if (!removed.add(mediaFileId)) {
            violations.add("iCloud original of " + mediaFileId + " removed twice");
        }
        // what the iCloud stage's own removal keeps, as it does: cleanup reads it to know the answer is final
        record.accept(mediaFileId, approvedBy + ": " + why);
        return new Outcome(State.REMOVED, "gone to Recently Deleted");
    }

    void enabled(boolean on) {
        enabled = on;
    }

    int removedCount() {
        return removed.size();
    }

    void fromIcloud(UUID id) {
        icloudFiles.add(id);
    }

    void forgetAll() {
        icloudFiles.clear();
        removed.clear();
        violations.clear();
    }
}
