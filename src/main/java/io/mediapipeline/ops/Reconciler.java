package io.mediapipeline.ops;

import io.mediapipeline.compress.CompressQueue;
import io.mediapipeline.flow.FileStore;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.ReadOnlyOriginals;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.pixel.PixelLedger;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs at startup, before any consumer: makes the folders agree with the ledger after a crash.
 * Temp files are removed (no row ever points at one) and originals of earlier versions made read-only; each
 * stage puts back its own lost hand-offs in its Stage.configure (compress and Pixel still here until they do).
 */
public class Reconciler {

    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

    private final Ledger ledger;
    private final Handoff handoff;
    private final Path home;
    private final CompressQueue compressQueue;

    public Reconciler(Ledger ledger, Handoff handoff, Path home) {
        this(ledger, handoff, home, null);
    }

    /** @param compressQueue the compress stage's requeue pass, or null when the stage is off */
    public Reconciler(Ledger ledger, Handoff handoff, Path home, CompressQueue compressQueue) {
        this.ledger = ledger;
        this.handoff = handoff;
        this.home = home;
        this.compressQueue = compressQueue;
    }

    public void reconcile() throws IOException {
        int temps = 0;
        for (String dir : List.of("originals", "duplicates", "quarantine", "sorted", "compressed", "work", "reports", "bridge")) {
            temps += FileStore.sweepTemps(home.resolve(dir));
        }
        int readOnly = ReadOnlyOriginals.ensure(home);
        if (readOnly > 0) {
            LOG.info("Made {} original(s) from an earlier version read-only (mode 0444)", readOnly);
        }
        int requeued = 0;
        if (compressQueue != null && handoff.stagesAfterIngest().contains(CompressQueue.STAGE)) {
            // undecided rows (new, interrupted, over last run's cap), videos that aged into another tier, failures to retry
            requeued += compressQueue.requeue();
        }
        if (temps > 0 || requeued > 0) {
            LOG.info("Recovered after an interrupted run: removed {} temp file(s), re-queued {} file(s) for later stages",
                    temps, requeued);
        }
        if (handoff.stagesAfterIngest().contains("pixel")) {
            // content with no Pixel delivery yet (a crash, a failed staging, or the target switched on later)
            int pixel = 0;
            for (PixelLedger.Missing m : new PixelLedger(ledger.dataSource()).withoutDelivery()) {
                if (handoff.requeue("pixel", Path.of(m.originalPath()), m.sha256(), m.extension())) {
                    pixel++;
                }
            }
            if (pixel > 0) {
                LOG.info("Queued {} file(s) for the Pixel that were not staged yet", pixel);
            }
        }
    }
}
