package io.mediapipeline.ingest;

import io.mediapipeline.flow.GuardClosedException;
import io.mediapipeline.flow.SourceChangedException;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ledger.LedgerException;
import io.mediapipeline.media.BadMediaException;
import io.mediapipeline.proc.ToolRun;
import java.io.IOException;
import org.apache.camel.Exchange;
import org.apache.camel.RuntimeCamelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An input that fails in ingest for a reason that is not bad media (unreadable, a tool that always fails on
 * it) is tried again on the next poll; once it has failed the same way pipeline.ingest.max-attempts times in a
 * row it is quarantined with that reason, so it can neither be lost nor keep a run from ever ending.
 * Used by the ingest-errors route configuration (routes/00-error-handling.camel.yaml).
 */
public class RepeatedFailures {

    private static final Logger LOG = LoggerFactory.getLogger(RepeatedFailures.class);
    static final String FAILURES = "ingestFailures";

    private final Ledger ledger;
    private final Quarantine quarantine;
    private final int maxAttempts;
    private final GivenUp givenUp;

    public RepeatedFailures(Ledger ledger, Quarantine quarantine, int maxAttempts, GivenUp givenUp) {
        this.ledger = ledger;
        this.quarantine = quarantine;
        this.maxAttempts = maxAttempts;
        this.givenUp = givenUp;
    }

    /**
     * The error clause's condition: records this failure (once per exchange, as Camel may ask again) and says
     * whether the input has now failed the same way often enough to be quarantined.
     */
    public boolean givesUp(Exchange ex) {
        Throwable cause = failure(ex);
        if (cause instanceof BadMediaException || cause instanceof LedgerException
                || GuardClosedException.explains(cause)) {
            return false; // their own clauses handle them; a ledger outage or a guard pause is never the file's fault
        }
        String machine = machineFault(cause);
        if (machine != null) {
            // the machine's fault, not the file's: the file waits, uncounted, until the tool or the space is back
            if (ex.getProperty(FAILURES) == null) {
                ex.setProperty(FAILURES, 0);
                LOG.warn("Ingest paused for {}: {}; not counted against the file, tried again on the next poll",
                        ex.getIn().getHeader(Exchange.FILE_PATH, String.class), machine);
            }
            return false;
        }
        if (cause instanceof SourceChangedException) {
            // its row is gone and it comes back under a new key each time: counted by path, never quarantined
            // (a copy of a file that keeps changing would be refused as well)
            if (ex.getProperty(FAILURES) == null) {
                ex.setProperty(FAILURES, 0);
                givenUp.failed(ex.getProperty(Ingest.SOURCE, "folder", String.class), Ingest.sourcePath(ex), null,
                        "changed while it was copied, every time: " + cause.getMessage());
            }
            return false;
        }
        Integer failures = ex.getProperty(FAILURES, Integer.class);
        if (failures == null) {
            failures = record(ex);
            ex.setProperty(FAILURES, failures);
        }
        return failures >= maxAttempts;
    }

    /**
     * What of the machine made the file fail, or null when it may be the file's own fault: a tool that cannot start
     * (gone from the PATH), or a disk full before the guard noticed (it closes the guard at min-free-mb).
     */
    static String machineFault(Throwable t) {
        if (ToolRun.CannotStart.explains(t)) {
            return t.getMessage() + " (is it installed and on the PATH?)";
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IOException && String.valueOf(c.getMessage()).contains("No space left on device")) {
                return "the disk is full (" + c.getMessage() + ")";
            }
        }
        return null;
    }

    /** Quarantines the input with the reason it kept failing for. */
    public void quarantine(Exchange ex) throws IOException {
        String reason = Quarantine.reasonOf(cause(ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class)))
                + " (failed the same way " + ex.getProperty(FAILURES, Integer.class) + " times)";
        ex.setProperty(Exchange.EXCEPTION_CAUGHT, new BadMediaException(reason));
        quarantine.badInput(ex);
    }

    private int record(Exchange ex) {
        Long sourceFileId = ex.getProperty(Ingest.SOURCE_FILE_ID, Long.class);
        String reason = Quarantine.reasonOf(failure(ex));
        String file = ex.getIn().getHeader(Exchange.FILE_PATH, String.class);
        if (sourceFileId == null) {
            // not admitted (gone, or the ledger is away): nothing to count; the next poll starts afresh
            LOG.warn("Could not ingest {}: {}; tried again on the next poll", file, reason);
            return 0;
        }
        try {
            int failures = ledger.recordFailure(sourceFileId, reason);
            if (failures < maxAttempts) {
                LOG.warn("Could not ingest {}: {} (failure {} of {} before quarantine); tried again on the next poll",
                        file, reason, failures, maxAttempts);
            }
            return failures;
        } catch (RuntimeException e) {
            LOG.warn("Could not ingest {}: {}; and the failure could not be recorded: {}", file, reason, e.getMessage());
            return 0;
        }
    }

    /** The exception being handled: still on the exchange while Camel picks a clause, caught once it runs one. */
    private static Throwable failure(Exchange ex) {
        return cause(ex.getException() != null ? ex.getException() : ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
    }

    /** The failure itself, out of Camel's wrappers (a split that stops on an exception wraps what stopped it). */
    static Throwable cause(Throwable t) {
        while ((t instanceof RuntimeCamelException || t instanceof org.apache.camel.CamelExchangeException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
