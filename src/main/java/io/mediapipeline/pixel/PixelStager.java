package io.mediapipeline.pixel;

import io.mediapipeline.flow.FileStore;
import io.mediapipeline.flow.GuardClosedException;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ledger.MediaRecord;
import io.mediapipeline.ops.Activity;
import io.mediapipeline.ops.Metrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.UUID;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.spi.PollingConsumerPollStrategy;
import org.apache.camel.support.ScheduledBatchPollingConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The staging half of the Pixel target (routes/60-stage-pixel.camel.yaml). Files from work/pixel/ fill
 * one batch folder, bridge/pixel/&lt;batch&gt;/, until it reaches its file or byte cap or a poll finds
 * nothing new; then the batch is closed and Syncthing is asked to scan just that folder. A poll that
 * would start a new batch does not start while the phone has more than the configured bytes
 * unconfirmed (back-pressure). Files are
 * hard links of the originals where possible, else atomic copies; nothing in the bridge is ever
 * removed here.
 *
 * <p>Live Photos travel together: when one half (media_files.live_pair_id) is staged and the other is
 * stored but not staged, the other is staged right after it into the same batch (so a batch may hold
 * one file more than its file cap; the pair's bytes count together against the byte cap), and a half
 * whose partner is already in the open batch joins it. A half that carries an Apple content identifier
 * but has no partner yet waits in work/pixel/ up to live-pair-wait seconds after its ingest for the
 * other half; then it goes alone (the late half then goes into whatever batch is open).
 *
 * <p>With Motion Photos on, the two halves of a pair staged together become one file, a Google Motion Photo
 * ({@link MotionPhoto}), recorded as the delivery of both; a pair that cannot be combined goes as two files.
 */
public class PixelStager implements PollingConsumerPollStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(PixelStager.class);
    private static final DateTimeFormatter BATCH_NAME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final PixelLedger pixel;
    private final Ledger ledger;
    private final Activity activity;
    private final PixelConfirmer confirmer;
    private final RunContext run;
    private final Path bridge;
    private final int maxFiles;
    private final long maxBytes;
    private final long maxUnconfirmed;
    private final long livePairWaitSeconds;
    private final Metrics metrics;
    /** Null while Motion Photos are off. */
    private final MotionPhoto motionPhoto;
    private final BridgeStrays strays;

    // used only by the consumer thread
    private PixelLedger.Batch current;
    private boolean strayCheckDone;
    private boolean batchFull;
    private volatile boolean holding;
    private final java.util.Set<String> waiting = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public PixelStager(PixelLedger pixel, Ledger ledger, Activity activity, PixelConfirmer confirmer, RunContext run,
                       PixelConfig.Staging staging, Metrics metrics, MotionPhoto motionPhoto) {
        this.pixel = pixel;
        this.ledger = ledger;
        this.activity = activity;
        this.confirmer = confirmer;
        this.run = run;
        this.bridge = staging.bridge();
        this.maxFiles = staging.maxFiles();
        this.maxBytes = staging.maxBytes();
        this.maxUnconfirmed = staging.maxUnconfirmedBytes();
        this.livePairWaitSeconds = staging.livePairWaitSeconds();
        this.metrics = metrics;
        this.motionPhoto = motionPhoto;
        this.strays = new BridgeStrays(bridge, pixel);
    }

    /**
     * True while back-pressure keeps new batches out (the queue then is not "work left" for `once`). Asked of the
     * ledger again, so a hold the phone has just released (until the next poll) does not look like "nothing left".
     */
    public boolean holding() {
        return holding && pixel.outstanding().bytes() >= maxUnconfirmed;
    }

    /**
     * Keeps Syncthing from ever picking up a half-copied temp file in the bridge (best effort, never overwrites); with
     * {@code alone} (no other node at work on this data directory), finishes or removes the Motion Photos a crash left.
     */
    public void prepareFolder(boolean alone) throws IOException {
        Files.createDirectories(bridge);
        if (alone) {
            strays.motionPhotos();
        } else {
            LOG.info("Other nodes are at work on this data directory: Motion Photos unfinished in {} are theirs", bridge);
        }
        Path ignore = bridge.resolve(".stignore");
        if (!Files.exists(ignore)) {
            Files.writeString(ignore, "// media-pipeline: its temp files are never meant for the phone\n*"
                    + FileStore.TEMP_SUFFIX + "\n");
        }
    }

    // ---- the poll ---------------------------------------------------------------------------

    @Override
    public boolean begin(Consumer consumer, Endpoint endpoint) {
        batchFull = false;
        // the ledger's open batch, not only this stager's memory of it: another node may have staged meanwhile
        PixelLedger.Batch open = pixel.openBatch();
        if (open != null && (current == null || !open.id().equals(current.id())) || !strayCheckDone) {
            // a batch left open by an interrupted stager (this node's last run, or another node) is filled first, and
            // what that stager placed and did not record becomes a delivery before anything is staged (a ledger error
            // here fails the poll: the next one looks again)
            recordStrays();
            strayCheckDone = true;
            open = pixel.openBatch(); // its counts now take in what was recorded
        }
        current = open;
        if (current != null && current.fileCount() >= maxFiles) {
            closeCurrent();
        }
        PixelLedger.Outstanding outstanding = pixel.outstanding();
        metrics.set(PixelConfirmer.OUTSTANDING_FILES, outstanding.files());
        metrics.set(PixelConfirmer.OUTSTANDING_BYTES, outstanding.bytes());
        long unconfirmed = outstanding.bytes();
        boolean hold = unconfirmed >= maxUnconfirmed;
        if (hold != holding) {
            holding = hold;
            if (hold) {
                LOG.info("Pixel staging holds: {} MB staged and not yet confirmed by the phone (cap {} MB); files wait in work/pixel",
                        unconfirmed >> 20, maxUnconfirmed >> 20);
            } else {
                LOG.info("Pixel staging resumes: {} MB unconfirmed on the phone", unconfirmed >> 20);
            }
        }
        if (hold) {
            if (current != null) {
                closeCurrent();
            }
            // counts as a poll that found nothing, so `once` can see the pipeline go quiet
            activity.begin(consumer, endpoint);
            activity.commit(consumer, endpoint, 0);
            return false;
        }
        if (consumer instanceof ScheduledBatchPollingConsumer batch) {
            // take no more files than the open batch has room for, so the file cap never turns files back
            batch.setMaxMessagesPerPoll(Math.max(1, maxFiles - (current == null ? 0 : current.fileCount())));
        }
        return activity.begin(consumer, endpoint);
    }

    @Override
    public void commit(Consumer consumer, Endpoint endpoint, int polledMessages) {
        try {
            // a batch stays open while files keep coming; a poll that finds nothing new closes it
            if (polledMessages == 0 || batchFull) {
                closeCurrent();
            }
        } finally {
            activity.commit(consumer, endpoint, polledMessages);
        }
    }

    @Override
    public boolean rollback(Consumer consumer, Endpoint endpoint, int retryCounter, Exception cause) throws Exception {
        try {
            closeCurrent();
        } finally {
            activity.rollback(consumer, endpoint, retryCounter, cause);
        }
        return false;
    }

    private void recordStrays() {
        try {
            strays.adopt();
        } catch (IOException e) {
            LOG.warn("Could not look through {} for copies staged and not recorded: {}", bridge, e.toString());
        }
    }

    // ---- one file ---------------------------------------------------------------------------

    /**
     * Before a queue file is begun: false (the file stays queued) once this poll's batch is full, or
     * when the file would push the open batch over its byte cap - which closes the batch.
     */
    boolean admit(String fileName, long size) {
        if (batchFull) {
            return false;
        }
        if (current != null && current.fileCount() > 0 && current.totalBytes() + size > maxBytes
                && !partnerInOpenBatch(Handoff.stemOf(fileName))) {
            closeCurrent();
            batchFull = true;
            return false;
        }
        return true;
    }

    /** The exchange's file is a hand-off named &lt;sha256&gt;.&lt;ext&gt;. */
    public void stage(Exchange ex) throws IOException {
        String sha = Handoff.stemOf(ex.getIn().getHeader(Exchange.FILE_NAME_ONLY, String.class));
        MediaRecord m = ledger.find(sha);
        if (m == null) {
            throw new IllegalStateException("hand-off " + sha + " has no ledger row");
        }
        if (pixel.hasDelivery(m.id())) {
            LOG.debug("{} is already staged for the Pixel", sha);
            return;
        }
        if (batchFull) {
            throw new HeldBack("this poll's batch is full");
        }
        Path original = Path.of(m.originalPath());
        if (!Files.isRegularFile(original)) {
            throw new IOException("original missing: " + original);
        }
        long size = Files.size(original);
        PixelLedger.Partner partner = pixel.partnerOf(m.id());
        if (partner == null && livePairWaitSeconds > 0) {
            long age = pixel.unpairedLiveHalfAgeSeconds(m.id());
            if (age >= 0 && age < livePairWaitSeconds) {
                if (waiting.add(sha)) {
                    LOG.info("Live Photo half {} waits up to {} s in work/pixel for its other half", m.originalName(),
                            livePairWaitSeconds - age);
                }
                throw new HeldBack("Live Photo half waits for its other half");
            }
            waiting.remove(sha);
        }
        boolean joinsPartner = partner != null && current != null && current.id().equals(partner.batchId());
        MediaRecord ahead = null; // the other half, stored and not staged: it goes right after this one
        long aheadSize = 0;
        if (partner != null && partner.batchId() == null) {
            MediaRecord p = ledger.find(partner.sha256());
            if (p != null && p.originalPath() != null && Files.isRegularFile(Path.of(p.originalPath()))) {
                ahead = p;
                aheadSize = Files.size(Path.of(p.originalPath()));
            }
        }
        if (!joinsPartner && current != null && current.fileCount() > 0
                && (current.fileCount() >= maxFiles || current.totalBytes() + size + aheadSize > maxBytes)) {
            closeCurrent();
            batchFull = true;
            throw new HeldBack("batch full");
        }
        if (current == null) {
            String name = BATCH_NAME.format(ZonedDateTime.now(ZoneOffset.UTC)) + "-" + UUID.randomUUID().toString().substring(0, 4);
            current = pixel.createBatch(name, bridge.resolve(name).toString());
        }
        if (ahead != null && combined(m, ahead)) {
            LOG.debug("{} and {} staged as one Motion Photo", m.originalName(), ahead.originalName());
        } else if (ahead != null) {
            place(m, original, size);
            place(ahead, Path.of(ahead.originalPath()), aheadSize);
            LOG.info("Live Photo: {} and {} go to the phone in the same batch {}", m.originalName(), ahead.originalName(),
                    current.name());
        } else {
            place(m, original, size);
            if (joinsPartner) {
                LOG.info("Live Photo: {} joins its other half in batch {}", m.originalName(), current.name());
            }
        }
        confirmer.progress();
        confirmer.outstanding();
    }

    private void place(MediaRecord m, Path original, long size) throws IOException {
        Path placed = FileStore.place(original, bridge.resolve(current.name()), nameFor(m), m.sha256(), FileStore.Mode.LINK_OR_COPY);
        if (pixel.addDelivery(m.id(), current.id(), placed.toString(), size)) {
            current = new PixelLedger.Batch(current.id(), current.name(), current.fileCount() + 1, current.totalBytes() + size);
            metrics.increment(PixelConfirmer.STAGED);
        }
        LOG.info("Staged for the Pixel: {} -> {}", m.originalName(), bridge.relativize(placed));
    }

    /**
     * With Motion Photos on, places the pair as one Motion Photo and records it for both halves; false (nothing
     * placed) when they are off, or the pair is not a photo and a video, or cannot be combined - said in a warning
     * naming both files, and in pipeline_logs (stage pixel-motion).
     */
    private boolean combined(MediaRecord a, MediaRecord b) throws IOException {
        if (motionPhoto == null) {
            return false;
        }
        MediaRecord still = "photo".equals(a.kind()) ? a : b;
        MediaRecord movie = still == a ? b : a;
        if (!"photo".equals(still.kind()) || !"video".equals(movie.kind())) {
            return false;
        }
        MotionPhoto.Built mp;
        try {
            mp = motionPhoto.build(Path.of(still.originalPath()), Path.of(movie.originalPath()), bridge.resolve(current.name()),
                    still.originalName(), movie.originalName());
        } catch (MotionPhoto.CannotCombine e) {
            String why = "Live Photo " + still.originalName() + " + " + movie.originalName()
                    + " cannot be one Motion Photo (" + e.getMessage() + "); both go to the phone as they are";
            LOG.warn(why);
            pixel.log(run.runId(), "pixel-motion", "warn", why, still.id(), still.originalPath());
            return false;
        }
        // recorded first, named after: a crash in between leaves only the temp, which the next start names or sweeps
        if (!pixel.addMotionPhoto(still.id(), movie.id(), current.id(), mp.file().toString(), mp.size(), mp.sha256())) {
            motionPhoto.discard(mp);
            return true;
        }
        motionPhoto.publish(mp);
        current = new PixelLedger.Batch(current.id(), current.name(), current.fileCount() + 1, current.totalBytes() + mp.size());
        metrics.increment(PixelConfirmer.STAGED);
        metrics.increment(PixelConfirmer.STAGED);
        LOG.info("Live Photo staged for the Pixel as one Motion Photo: {} + {} -> {}", still.originalName(),
                movie.originalName(), bridge.relativize(mp.file()));
        return true;
    }

    /** True when the queued file's Live Photo partner is staged in the open batch (it may join it past the caps). */
    private boolean partnerInOpenBatch(String sha) {
        if (current == null) {
            return false;
        }
        MediaRecord m = ledger.find(sha);
        PixelLedger.Partner p = m == null ? null : pixel.partnerOf(m.id());
        return p != null && current.id().equals(p.batchId());
    }

    /** Dead end of the staging route: logged; the next start re-queues the file (PixelStage's recovery). */
    public void failed(Exchange ex) {
        String sha = Handoff.stemOf(ex.getIn().getHeader(Exchange.FILE_NAME_ONLY, String.class));
        Throwable cause = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String reason = cause == null ? "unknown error" : cause.getMessage();
        // a pause: the queue file stays (the exchange fails) and is staged once the guard opens
        if (GuardClosedException.pauses(ex, cause, LOG, "Staging " + sha + " for the Pixel")) {
            return;
        }
        MediaRecord m = ledger.find(sha);
        pixel.log(run.runId(), "error", "could not stage for the Pixel: " + reason, m == null ? null : m.id(),
                m == null ? null : m.originalPath());
        LOG.error("Could not stage {} for the Pixel: {}", sha, reason);
    }

    /** The phone sees the user's own file name (with the real extension); clashes get a suffix. */
    static String nameFor(MediaRecord m) {
        String name = m.originalName();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return stem + "." + m.extension();
    }

    private void closeCurrent() {
        PixelLedger.Batch b = current;
        current = null;
        if (b == null) {
            return;
        }
        if (b.fileCount() == 0 && isEmpty(b)) {
            pixel.deleteEmptyBatch(b.id());
            return;
        }
        if (pixel.closeBatch(b.id())) {
            LOG.info("Pixel batch {} closed: {} file(s), {} MB", b.name(), b.fileCount(), b.totalBytes() >> 20);
        }
        confirmer.scan(b);
    }

    private boolean isEmpty(PixelLedger.Batch b) {
        Path dir = bridge.resolve(b.name());
        if (!Files.isDirectory(dir)) {
            return true;
        }
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }
}
