package io.mediapipeline.ops;

import io.mediapipeline.flow.FileStore;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.ReadOnlyOriginals;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ledger.MediaRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs at startup, before any consumer: makes the folders agree with the ledger after a crash.
 * Temp files are removed (no row ever points at one) and every row that is waiting for a stage
 * gets its hand-off back if the crash came between the ledger commit and the queue write.
 */
public class Reconciler {

    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

    private final Ledger ledger;
    private final Handoff handoff;
    private final Path home;

    public Reconciler(Ledger ledger, Handoff handoff, Path home) {
        this.ledger = ledger;
        this.handoff = handoff;
        this.home = home;
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
        if (handoff.stagesAfterIngest().contains("organize")) {
            // an earlier organize failure (disk full, a folder in the way) is tried again once per start
            int retried = ledger.returnFromErrors("ingested");
            if (retried > 0) {
                LOG.info("Organizing again {} file(s) that failed to organize before", retried);
            }
            for (MediaRecord m : ledger.withStatus("ingested")) {
                if (m.originalPath() != null && handoff.requeue("organize", Path.of(m.originalPath()), m.sha256(), m.extension())) {
                    requeued++;
                }
            }
        }
        if (temps > 0 || requeued > 0) {
            LOG.info("Recovered after an interrupted run: removed {} temp file(s), re-queued {} file(s) for later stages",
                    temps, requeued);
        }
    }
}
