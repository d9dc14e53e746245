package io.mediapipeline.ingest;

import io.mediapipeline.flow.SourceChangedException;
import io.mediapipeline.ledger.SourceAdmission;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.camel.Exchange;

/**
 * The ingest route's step (bean ingestBatch, method take): the files the sources have in flight at once (up to
 * pipeline.ingest.batch-size, the width of the sources' thread pools) go through {@link IngestBatch} together. Each
 * exchange joins the open batch and waits until that batch has committed; the exchange that fills it, carries the
 * last file of its poll (CamelBatchComplete), or has waited pipeline.ingest.batch-wait-ms runs it. So each exchange
 * still ends only after its own file is recorded: the inbox deletes, the folder remembers, and the error handlers
 * quarantine or retry one file at a time, as before.
 */
public class BatchWindow {

    /** Header: the file was finished by an earlier run; nothing more to do. */
    public static final String ALREADY_DONE = "alreadyDone";
    /** Header: the file is a copy of known content (kept in duplicates/). */
    public static final String DUPLICATE = "duplicate";

    private final IngestBatch steps;
    private final Ingest ingest;
    private final int size;
    private final long waitMs;
    private Open open;

    public BatchWindow(IngestBatch steps, Ingest ingest, int size, long waitMs) {
        this.steps = steps;
        this.ingest = ingest;
        this.size = size;
        this.waitMs = waitMs;
    }

    /** The files gathered so far and, once it ran, what became of them (or why the whole batch failed). */
    private static final class Open {
        final List<IngestBatch.Input> inputs = new ArrayList<>();
        final CompletableFuture<List<BatchItem>> done = new CompletableFuture<>();
    }

    /** Joins this exchange's file to a batch and returns once the batch has run; its own failure is thrown. */
    public void take(Exchange ex) throws Exception {
        IngestBatch.Input input = new IngestBatch.Input(Ingest.sourcePath(ex),
                ex.getProperty(Ingest.SOURCE, "folder", String.class), ex.getProperty("mayLink", false, Boolean.class));
        boolean lastOfPoll = ex.getProperty(Exchange.BATCH_COMPLETE, false, Boolean.class);
        Open batch;
        int index;
        boolean lead = false;
        synchronized (this) {
            if (open == null) {
                open = new Open();
            }
            batch = open;
            index = batch.inputs.size();
            batch.inputs.add(input);
            if (batch.inputs.size() >= size || lastOfPoll) {
                open = null;
                lead = true;
            }
        }
        if (!lead) {
            try {
                batch.done.get(waitMs, TimeUnit.MILLISECONDS);
            } catch (ExecutionException failed) {
                // the batch failed: thrown below, as for the lead
            } catch (TimeoutException waitedEnough) {
                synchronized (this) {
                    if (open == batch) {
                        open = null;
                        lead = true;
                    }
                }
            }
        }
        if (lead) {
            try {
                batch.done.complete(steps.run(List.copyOf(batch.inputs), IngestBatch.Placement.STORE));
            } catch (Throwable t) {
                // whatever the batch threw (even what its signature does not declare): no exchange waits for ever
                batch.done.completeExceptionally(t);
            }
        }
        List<BatchItem> items;
        try {
            items = batch.done.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        settle(ex, items.get(index));
    }

    /** Tells the rest of the route what became of the file; a failure is this exchange's to handle. */
    private void settle(Exchange ex, BatchItem item) throws Exception {
        ex.setProperty(Ingest.SHA256, item.sha256());
        ex.setProperty(Ingest.MEDIA_INFO, item.info());
        ex.getIn().setHeader(ALREADY_DONE, item.status() == IngestBatch.Status.DONE_BEFORE);
        ex.getIn().setHeader(DUPLICATE, item.status() == IngestBatch.Status.DUPLICATE);
        if (item.status() == IngestBatch.Status.FAILED) {
            Exception failure = item.failure();
            if (!(failure instanceof SourceChangedException)) {
                // the error handlers count failures and quarantine against the input's row (a changed input has none:
                // it comes back under a new key)
                admit(ex, item.input().file());
            }
            throw failure;
        }
    }

    private void admit(Exchange ex, Path file) {
        try {
            SourceAdmission a = ingest.admission(ex.getProperty(Ingest.SOURCE, "folder", String.class), file);
            ex.setProperty(Ingest.SOURCE_FILE_ID, a.sourceFileId());
        } catch (IOException | RuntimeException gone) {
            // gone or unreadable: the handlers treat it as not admitted and the next poll starts afresh
        }
    }
}
