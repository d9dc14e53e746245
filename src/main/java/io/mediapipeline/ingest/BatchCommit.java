package io.mediapipeline.ingest;

import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ledger.BatchLedger;
import io.mediapipeline.ledger.BatchLedger.Outcome;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ledger.LedgerException;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The last step of {@link IngestBatch}: its rows in one transaction, and what to do when the database refuses one. */
final class BatchCommit {

    private static final Logger LOG = LoggerFactory.getLogger(BatchCommit.class);

    private final BatchLedger batches;
    private final Ledger ledger;
    private final RunContext run;

    BatchCommit(BatchLedger batches, Ledger ledger, RunContext run) {
        this.batches = batches;
        this.ledger = ledger;
        this.run = run;
    }

    /**
     * Commits the batch's rows in one transaction. A row the database refuses (a value, a constraint) would fail every
     * input for ever: then each is committed alone, and one still refused fails by itself (the sources count it and
     * quarantine it after max-attempts; backfill quarantines it in place). A lost connection is thrown: taken again.
     */
    void commit(List<BatchItem> recorded, IngestBatch.Placement placement) {
        try {
            batches.commit(run.runId(), recorded.stream().map(item -> item.entry(placement)).toList());
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
                } catch (LedgerException one) {
                    if (!BatchItem.refused(one)) {
                        throw one; // what committed alone stays; the rest is taken again
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
        if (item.twin != null && item.twin.status == IngestBatch.Status.FAILED) {
            // refused because its original was: not this copy's fault, so not counted against it
            if (item.twin.outcome == Outcome.NEW) {
                BatchItem.removeUnrecorded(item.place);
            }
            item.fail(new LedgerException("its original in this batch was refused by the ledger; taken again", e));
            return;
        }
        item.fail(new IOException(why, e));
        if (placement == IngestBatch.Placement.IN_PLACE) {
            item.status = IngestBatch.Status.QUARANTINED;
            batches.commit(run.runId(), List.of(item.entry(placement)));
        } else if (item.outcome == Outcome.NEW) {
            BatchItem.removeUnrecorded(item.place); // new content: nothing else can name this copy
        }
    }
}
