package io.mediapipeline.support;

import java.util.Set;
import java.util.function.Supplier;

/**
 * Row locks a crash test takes in a running app's ledger, so the app's next write to those rows waits: a file the
 * app places meanwhile stays placed without its row until the kill, instead of for the few milliseconds a poll
 * would have to catch. Released after each kill (a killed app's server drops them anyway).
 */
public final class RowHold implements AutoCloseable {

    private final LiveLedger ledger;
    private AutoCloseable lock;
    private long since;
    private Set<String> atLock = Set.of();

    public RowHold(LiveLedger ledger) {
        this.ledger = ledger;
    }

    /** Locks the rows ({@code select ... for update}), then notes what is there: what comes after waits for them. */
    public void take(String selectForUpdate, Supplier<Set<String>> present) {
        lock = ledger.holdRows(selectForUpdate).orElse(null);
        since = System.nanoTime();
        atLock = present.get();
    }

    /** What {@code present} gave when the rows were locked. */
    public Set<String> atLock() {
        return atLock;
    }

    public boolean held() {
        return lock != null;
    }

    public long heldFor() {
        return lock == null ? 0 : System.nanoTime() - since;
    }

    public void release() throws Exception {
        if (lock != null) {
            lock.close();
            lock = null;
        }
    }

    @Override
    public void close() throws Exception {
        release();
        ledger.close();
    }
}
