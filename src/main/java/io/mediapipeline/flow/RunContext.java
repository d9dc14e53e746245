package io.mediapipeline.flow;

import io.mediapipeline.ledger.Ledger;

/**
 * The current run: `once` has one; the service opens one at start and a new one after each report,
 * so every input lands in exactly one run report.
 */
public class RunContext {

    private final Ledger ledger;
    private final String mode;
    private final String node;
    private volatile long runId;

    public RunContext(Ledger ledger, String mode, String node) {
        this.ledger = ledger;
        this.mode = mode;
        this.node = node;
        this.runId = ledger.openRun(mode, node);
    }

    public long runId() {
        return runId;
    }

    /** Starts the next run; returns the id of the one that ended. */
    public synchronized long rollOver() {
        long ended = runId;
        runId = ledger.openRun(mode, node);
        return ended;
    }

    public String mode() {
        return mode;
    }
}
