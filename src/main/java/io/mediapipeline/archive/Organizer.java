package io.mediapipeline.archive;

import io.mediapipeline.flow.FileStore;
import io.mediapipeline.flow.GuardClosedException;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ledger.MediaRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import javax.sql.DataSource;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The organize stage (routes/50-organize.camel.yaml): gives each original its place in the dated
 * archive as a hard link (or copy) that never overwrites, then records the path in the ledger. Both halves of a
 * Live Photo share a folder and a name stem ({@link LivePairs}).
 */
public class Organizer {

    private static final Logger LOG = LoggerFactory.getLogger(Organizer.class);

    private final Ledger ledger;
    private final RunContext run;
    private final Path sorted;
    private final FileStore.Mode mode;
    private final LivePairs pairs;

    public Organizer(Ledger ledger, DataSource ds, RunContext run, Path home, boolean hardlink, boolean useMtime) {
        this.ledger = ledger;
        this.run = run;
        this.sorted = home.resolve("sorted");
        this.mode = hardlink ? FileStore.Mode.LINK_OR_COPY : FileStore.Mode.COPY;
        this.pairs = new LivePairs(ledger, ds, sorted, useMtime);
    }

    /** The exchange's file is a hand-off named &lt;sha256&gt;.&lt;ext&gt;. */
    public void organize(Exchange ex) throws IOException {
        String sha = Handoff.stemOf(ex.getIn().getHeader(Exchange.FILE_NAME_ONLY, String.class));
        MediaRecord m = ledger.find(sha);
        if (m == null) {
            throw new IllegalStateException("hand-off " + sha + " has no ledger row");
        }
        if (!m.status().equals("ingested")) {
            LOG.debug("{} is already {}; nothing to organize", sha, m.status());
            return;
        }
        Path placed = place(m);
        LOG.info("Archived {} -> {}", m.originalName(), sorted.relativize(placed));
    }

    /** Places an ingested original in sorted/ and records it archived; returns where it went. */
    Path place(MediaRecord m) throws IOException {
        Path original = Path.of(m.originalPath());
        if (!Files.isRegularFile(original)) {
            throw new IOException("original missing: " + original);
        }
        LivePairs.Place place = pairs.placeFor(m, OffsetDateTime.now());
        Path placed = FileStore.place(original, place.dir(), place.name(), m.sha256(), mode);
        ledger.markArchived(m.id(), placed.toString());
        if (place.split() != null) {
            LOG.warn("{}: {}", m.originalName(), place.split());
            ledger.log(run.runId(), "organize", "warn", place.split(), m.id(), placed.toString());
        }
        return placed;
    }

    /** Dead end of the organize route: the file stays an original; the ledger says why. */
    public void failed(Exchange ex) {
        String sha = Handoff.stemOf(ex.getIn().getHeader(Exchange.FILE_NAME_ONLY, String.class));
        Throwable cause = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String reason = cause == null ? "unknown error" : cause.getMessage();
        // a pause: the queue file stays (the exchange fails) and is organized once the guard opens
        if (GuardClosedException.pauses(ex, cause, LOG, "Organizing " + sha)) {
            return;
        }
        MediaRecord m = ledger.find(sha);
        if (m != null) {
            ledger.markError(m.id(), "organize", reason);
            ledger.log(run.runId(), "organize", "error", reason, m.id(), m.originalPath());
        }
        LOG.error("Could not organize {}: {}", sha, reason);
    }
}
