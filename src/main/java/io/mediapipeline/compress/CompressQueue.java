package io.mediapipeline.compress;

import io.mediapipeline.flow.Handoff;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the work the compress stage did not get from ingest: every original with no decision yet (new,
 * interrupted, or left over by a per-run cap), every video whose age moved it into another tier since its last
 * encode, and every failure with retries left (pipeline.compress.max-failures). Run at startup by CompressStage
 * and on pipeline.compress.requeue-schedule by the compress-requeue route, so a service that runs for years
 * still re-encodes a clip the day it turns one year old.
 */
public final class CompressQueue {

    private static final Logger LOG = LoggerFactory.getLogger(CompressQueue.class);

    public static final String STAGE = "compress";

    private final CompressLedger ledger;
    private final CompressConfig cfg;
    private final Handoff handoff;

    public CompressQueue(CompressLedger ledger, CompressConfig cfg, Handoff handoff) {
        this.ledger = ledger;
        this.cfg = cfg;
        this.handoff = handoff;
    }

    /** Queues what is due (a file already in the queue is left as it is); returns how many were queued. */
    public int requeue() throws IOException {
        int n = 0;
        Instant now = Instant.now();
        for (CompressLedger.Row r : ledger.candidates(cfg.maxFailures())) {
            boolean due = r.decision() == null || r.decision().equals("failed");
            if (!due && r.kind().equals("video") && r.tier() != null && r.width() != null && r.height() != null) {
                due = Tiers.targetShortSide(cfg.tiers(), r.capturedAt(), now, r.width(), r.height()) != r.tier();
            }
            if (due && handoff.requeue(STAGE, Path.of(r.originalPath()), r.sha256(), r.extension())) {
                n++;
            }
        }
        return n;
    }

    /** The scheduled pass (route compress-requeue). */
    public int scheduled() throws IOException {
        int n = requeue();
        if (n > 0) {
            LOG.info("Compress requeue pass: {} file(s) queued (aged into another tier, a failure to retry, or undecided)", n);
        } else {
            LOG.debug("Compress requeue pass: nothing due");
        }
        return n;
    }
}
