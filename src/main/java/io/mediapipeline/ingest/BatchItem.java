package io.mediapipeline.ingest;

import io.mediapipeline.ledger.BatchLedger.Entry;
import io.mediapipeline.ledger.BatchLedger.Outcome;
import io.mediapipeline.media.MediaInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;

/** An input on its way through the batch, and in the end what became of it. */
public final class BatchItem {
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
            BasicFileAttributes a = Files.readAttributes(in.file(), BasicFileAttributes.class);
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

    void decided(Outcome o, UUID id) {
        outcome = o;
        mediaId = id;
        status = o == Outcome.DUPLICATE ? IngestBatch.Status.DUPLICATE : IngestBatch.Status.NEW;
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
