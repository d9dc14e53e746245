package io.mediapipeline.compress;

import io.mediapipeline.flow.Handoff;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Startup side of the compress stage (called by ops/Reconciler): queues every original that has no decision yet
 * (new, interrupted, or left over by a per-run cap) and every video whose age moved it into another tier since
 * its last encode. Rows that failed stay failed until someone looks (the reason is in compress_reason).
 */
public final class CompressQueue {

    public static final String STAGE = "compress";

    private CompressQueue() {
    }

    public static int requeue(CompressLedger ledger, List<CompressConfig.Tier> tiers, Handoff handoff) throws IOException {
        int n = 0;
        Instant now = Instant.now();
        for (CompressLedger.Row r : ledger.candidates()) {
            boolean due = r.decision() == null;
            if (!due && r.kind().equals("video") && r.tier() != null && r.width() != null && r.height() != null) {
                due = Tiers.targetShortSide(tiers, r.capturedAt(), now, r.width(), r.height()) != r.tier();
            }
            if (due && handoff.requeue(STAGE, Path.of(r.originalPath()), r.sha256(), r.extension())) {
                n++;
            }
        }
        return n;
    }
}
