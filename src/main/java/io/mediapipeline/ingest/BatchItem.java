package io.mediapipeline.ingest;

import io.mediapipeline.ledger.BatchLedger.Content;
import io.mediapipeline.ledger.BatchLedger.Entry;
import io.mediapipeline.ledger.LedgerException;
import io.mediapipeline.ledger.BatchLedger.Outcome;
import io.mediapipeline.media.MediaInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An input on its way through the batch, and in the end what became of it. */
public final class BatchItem {
    private static final Logger LOG = LoggerFactory.getLogger(BatchItem.class);
    final IngestBatch.Input input;
    final String key;
    long size;
    long mtime;
    String sha256;
    MediaInfo info;
    Long perceptualHash;
    Outcome outcome;
    UUID mediaId;
    Path place;
    /** For a copy of content new in this same batch: the input that becomes its original. */
    BatchItem twin;
    IngestBatch.Status status;
    Exception failure;

    BatchItem(IngestBatch.Input input, String key) {
        this.input = input;
        this.key = key;
    }

    static BatchItem seen(IngestBatch.Input in) {
        try {
            BasicFileAttributes a = in.seen() != null ? in.seen()
                    : Files.readAttributes(in.file(), BasicFileAttributes.class);
            BatchItem item = new BatchItem(in, Ingest.sourceKey(in.source(), in.file(), a.size(), a.lastModifiedTime().toMillis()));
            item.size = a.size();
            return item;
        } catch (IOException e) {
            BatchItem item = new BatchItem(in, null);
            item.fail(e);
            return item;
        }
    }

    void fail(Exception e) {
        failure = e;
        status = IngestBatch.Status.FAILED;
    }

    /** Back to examined (hash, metadata and fingerprint kept): decision, place and any later failure forgotten. */
    void undecide() {
        outcome = null;
        mediaId = null;
        place = null;
        twin = null;
        status = null;
        failure = null;
    }

    /**
     * Decides against the batch (the first of two equal files is the original) and the ledger: new content, a resumed
     * input (its own unfinished row, or known content whose original is missing), or a copy of known content.
     */
    void decide(BatchItem earlier, Content known) {
        if (earlier != null) {
            twin = earlier;
            decided(Outcome.DUPLICATE, earlier.mediaId);
        } else if (known == null) {
            decided(Outcome.NEW, UUID.randomUUID());
        } else if (known.unfinished() && input.file().toString().equals(known.sourcePath())) {
            decided(Outcome.RESUME, known.id());
        } else if (known.originalPath() != null
                && !Files.isRegularFile(Path.of(known.originalPath()), LinkOption.NOFOLLOW_LINKS)) {
            LOG.warn("The original {} is missing; {} takes its place", known.originalPath(), input.file());
            decided(Outcome.RESUME, known.id());
        } else {
            decided(Outcome.DUPLICATE, known.id());
        }
    }

    void decided(Outcome o, UUID id) {
        outcome = o;
        mediaId = id;
        status = o == Outcome.DUPLICATE ? IngestBatch.Status.DUPLICATE : IngestBatch.Status.NEW;
    }

    /**
     * After a placing round: each copy whose first copy in the batch failed takes that one's decision (the first such
     * copy becomes the original: its copy in duplicates/ is removed and it is placed again; the others are its copies).
     * Returns the inputs to place again.
     */
    static List<BatchItem> promoted(List<BatchItem> decided, Consumer<Path> removeUnrecorded) {
        Map<BatchItem, BatchItem> heirs = new HashMap<>();
        List<BatchItem> again = new ArrayList<>();
        for (BatchItem item : decided) {
            BatchItem failed = item.twin;
            if (item.status == IngestBatch.Status.FAILED || failed == null || failed.status != IngestBatch.Status.FAILED) {
                continue;
            }
            BatchItem heir = heirs.get(failed);
            if (heir != null) {
                item.twin = heir;
                item.mediaId = heir.mediaId;
                continue;
            }
            heirs.put(failed, item);
            item.twin = null;
            if (failed.outcome != Outcome.DUPLICATE) {
                if (failed.outcome == Outcome.NEW) {
                    removeUnrecorded.accept(item.place); // its copy in duplicates/ will not be recorded
                }
                item.decided(failed.outcome, failed.mediaId);
                item.place = null;
                again.add(item);
            }
        }
        return again;
    }

    /** Removes a placed copy the caller found no row names; one that stays is only logged (the sweep takes it). */
    static void remove(Path copy) {
        try {
            if (Files.deleteIfExists(copy)) {
                LOG.info("Removed {}: it will not be recorded", copy);
            }
        } catch (IOException e) {
            LOG.warn("Could not remove {}, which no row names: {}", copy, e.getMessage());
        }
    }

    /**
     * Whether the database refused a row (a value, a constraint, a statement), as opposed to losing the connection,
     * the transaction (serialization, deadlock), resources or the server: only the former is an input's own fault.
     */
    static boolean refused(LedgerException e) {
        for (Throwable t = e.getCause(); t != null && t.getCause() != t; t = t.getCause()) {
            // a batched statement's own exception has no state: the database's is the next one
            for (SQLException sql = t instanceof SQLException s ? s : null; sql != null; sql = sql.getNextException()) {
                if (sql.getSQLState() != null && sql.getSQLState().length() == 5) {
                    return List.of("22", "23", "42").contains(sql.getSQLState().substring(0, 2));
                }
            }
        }
        return false;
    }

    Entry entry(IngestBatch.Placement placement) {
        boolean inPlace = placement == IngestBatch.Placement.IN_PLACE;
        if (status == IngestBatch.Status.QUARANTINED) {
            return new Entry(Outcome.QUARANTINED, input.source(), key, input.file().toString(), size, sha256, null,
                    null, null, input.file().toString(), true, Quarantine.reasonOf(failure));
        }
        return new Entry(outcome, input.source(), key, input.file().toString(), size, sha256, mediaId, info,
                perceptualHash, place.toString(), inPlace, null);
    }

    public IngestBatch.Input input() {
        return input;
    }

    public IngestBatch.Status status() {
        return status;
    }

    public Exception failure() {
        return failure;
    }

    public String sha256() {
        return sha256;
    }

    public MediaInfo info() {
        return info;
    }

    public UUID mediaId() {
        return mediaId;
    }

    public Path place() {
        return place;
    }
}
