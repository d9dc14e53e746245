package io.mediapipeline.ingest;

import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.similar.NearDuplicates;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What follows {@link IngestBatch}'s commit for the new originals it recorded. The batch is recorded by then, so
 * none of these steps may fail it: each failure is logged, and made good by the stage's own recovery.
 */
final class AfterCommit {

    private static final Logger LOG = LoggerFactory.getLogger(AfterCommit.class);

    private final Ledger ledger;
    private final RunContext run;
    private final NearDuplicates near;
    private final LivePhotos livePhotos;
    private final Handoff handoff;

    AfterCommit(Ledger ledger, RunContext run, NearDuplicates near, LivePhotos livePhotos, Handoff handoff) {
        this.ledger = ledger;
        this.run = run;
        this.near = near;
        this.livePhotos = livePhotos;
        this.handoff = handoff;
    }

    /**
     * After the commit: pair Live Photo halves first (organize places a half beside its partner, so the link must exist
     * before organize can take either), then hand the new originals on and record their near-duplicates.
     */
    void afterCommit(List<BatchItem> stored, IngestBatch.Placement placement) {
        if (stored.isEmpty()) {
            return;
        }
        if (livePhotos != null) {
            afterStep("Live Photo pairing", "the halves are paired when one of them is ingested again",
                    () -> pair(stored));
        }
        if (placement == IngestBatch.Placement.STORE && handoff != null) {
            List<Handoff.Queued> queued = new ArrayList<>();
            for (BatchItem item : stored) {
                queued.add(new Handoff.Queued(item.place, item.sha256, item.info.extension()));
            }
            for (String stage : handoff.stagesAfterIngest()) {
                afterStep("hand-off to " + stage, "the stage's start-up requeue hands them on",
                        () -> handoff.sendAll(stage, queued));
            }
        }
        if (near != null) {
            afterStep("recording near-duplicates", "they are found again by the next near-duplicate scan",
                    () -> near.recordNear(stored.stream().map(item -> item.mediaId).toList()));
        }
    }

    /** One step after the commit: its failure is logged and the others go on (the batch is recorded). */
    private void afterStep(String what, String recovery, Step step) {
        try {
            step.run();
        } catch (Exception e) {
            String message = what + " failed after the batch was recorded (" + e.getMessage() + "); " + recovery;
            LOG.warn("{}", message, e);
            try {
                ledger.log(run.runId(), "ingest", "warn", message, null, null);
            } catch (RuntimeException ledgerAway) {
                LOG.warn("Could not log it in the ledger either: {}", ledgerAway.getMessage());
            }
        }
    }

    private interface Step { void run() throws Exception; }

    private void pair(List<BatchItem> stored) {
        List<LivePhotos.Half> halves = new ArrayList<>(stored.size());
        for (BatchItem item : stored) {
            Path source = item.input.file();
            halves.add(new LivePhotos.Half(item.mediaId, item.info.kind().name().toLowerCase(Locale.ROOT),
                    item.info.contentIdentifier(), source.getParent() == null ? "" : source.getParent().toString(),
                    LivePhotos.stem(source.getFileName().toString())));
        }
        List<UUID> partners = livePhotos.pairAll(halves);
        for (int i = 0; i < partners.size(); i++) {
            if (partners.get(i) != null) {
                LOG.info("Live Photo: {} paired with {}", stored.get(i).input.file().getFileName(), partners.get(i));
            }
        }
    }
}
