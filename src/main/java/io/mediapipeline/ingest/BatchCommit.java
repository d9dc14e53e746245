package io.mediapipeline.ingest;

import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ledger.BatchLedger;
import io.mediapipeline.ledger.BatchLedger.Outcome;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ledger.LedgerException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The last step of {@link IngestBatch}: its rows in one transaction, and what to do when the database refuses one. */
final class BatchCommit {

    private static final Logger LOG = LoggerFactory.getLogger(BatchCommit.class);

    private final BatchLedger batches;
    private final Ledger ledger;
    private final RunContext run;
    private final Consumer<Path> removeUnrecorded;

    BatchCommit(BatchLedger batches, Ledger ledger, RunContext run, Consumer<Path> removeUnrecorded) {
        this.batches = batches;
        this.ledger = ledger;
        this.run = run;
        this.removeUnrecorded = removeUnrecorded;
    }

    /**
     * Commits the batch's rows in one transaction. A row the database refuses (a value, a constraint) would fail every
     * input for ever: then each is committed alone, and one still refused fails by itself (the sources count it and
     * quarantine it after max-attempts; backfill quarantines it in place). A lost connection is thrown: taken again
     * (what committed alone before it stays recorded). Each new original recorded is added to {@code stored}.
     */
    void commit(List<BatchItem> recorded, IngestBatch.Placement placement, List<BatchItem> stored) {
        try {
            batches.commit(run.runId(), recorded.stream().map(item -> item.entry(placement)).toList());
            recorded.stream().filter(item -> item.status == IngestBatch.Status.NEW).forEach(stored::add);
        } catch (LedgerException e) {
            if (!BatchItem.refused(e)) {
                throw e;
            }
            if (recorded.size() == 1) {
                refused(recorded.get(0), e, placement);
                return;
            }
            for (BatchItem item : recorded) {
                try {
                    batches.commit(run.runId(), List.of(item.entry(placement)));
                    if (item.status == IngestBatch.Status.NEW) {
                        stored.add(item);
                    }
                } catch (LedgerException one) {
                    if (!BatchItem.refused(one)) {
                        throw one;
                    }
                    refused(item, one, placement);
                }
            }
        }
    }

    private void refused(BatchItem item, LedgerException e, IngestBatch.Placement placement) {
        String file = item.input.file().toString();
        // the database's message may quote the refused value (a NUL byte it would refuse again in the log and reason)
        String why = "the ledger refused its row: " + e.getMessage().replaceAll("\\p{Cntrl}", "?");
        LOG.warn("{}: {}", file, why);
        ledger.log(run.runId(), "ingest", "warn", why, null, file);
        if (item.twin != null && item.twin.failure != null) {
            // refused because its original was (failed, or quarantined in place): not this copy's fault
            if (item.twin.outcome == Outcome.NEW) {
                removeUnrecorded.accept(item.place);
            }
            item.fail(new LedgerException("its original in this batch was refused by the ledger; taken again", e));
            return;
        }
        item.fail(new IOException(why, e));
        if (placement == IngestBatch.Placement.IN_PLACE) {
            try {
                item.status = IngestBatch.Status.QUARANTINED;
                batches.commit(run.runId(), List.of(item.entry(placement)));
            } catch (LedgerException again) {
                // its quarantine row repeats what was refused (its path, its key): left unregistered, reported
                item.status = IngestBatch.Status.FAILED;
                LOG.warn("{}: not even its quarantine row was taken ({}); left unregistered", file, again.getMessage());
            }
        } else if (item.outcome == Outcome.NEW) {
            removeUnrecorded.accept(item.place);
        }
    }
}
