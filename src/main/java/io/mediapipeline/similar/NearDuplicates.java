package io.mediapipeline.similar;

import io.mediapipeline.config.CoreConfig;
import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.FileStore;
import io.mediapipeline.media.MediaInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Near-duplicates: a 64-bit perceptual hash for every photo and video, made in ingest's parallel pass and stored in
 * media_files.perceptual_hash, and the pairs within pipeline.dedupe.near.max-distance bits recorded in duplicate_files
 * (kind near, with the distance) for review, with a keep suggestion per group (near_groups). Nothing is ever moved or
 * deleted because of it. Photos are compared with photos and videos with videos; exact duplicates share one
 * media_files row and so are never near-duplicates of each other.
 */
public class NearDuplicates {

    private static final Logger LOG = LoggerFactory.getLogger(NearDuplicates.class);
    private static final int BACKFILL_BATCH = 100;
    // short: a stop waits for a pass in flight (camel.main.shutdown-timeout), and ingest comes first on 2 cores
    private static final Duration BACKFILL_BUDGET = Duration.ofSeconds(10);

    private final NearConfig config;
    private final GreyImages images;
    private final NearLedger ledger;
    private final Map<String, NearIndex> indexes = new ConcurrentHashMap<>();
    // files the backfill could not hash (RAW, unreadable) in this process: not offered to it again
    private final Set<UUID> unhashable = ConcurrentHashMap.newKeySet();

    /** @param dataSource the ledger; null for hashes only (a tool, a test): then nothing is recorded */
    public NearDuplicates(DataSource dataSource, Settings settings) {
        this.config = NearConfig.from(settings);
        CoreConfig core = CoreConfig.from(settings);
        this.images = new GreyImages(core.ffmpeg(), "heif-convert",
                core.home().resolve("state").resolve("near-tmp"),
                Duration.ofSeconds(settings.positive("pipeline.tools.probe-timeout-seconds")));
        this.ledger = dataSource == null ? null : new NearLedger(dataSource);
    }

    /**
     * The perceptual hash of a photo or video, or null when none is made (switched off, no installed tool decodes
     * this format, or the picture is flat: a black or grey frame has nothing to tell it from another one).
     * Thread-safe: ingest calls it for several files at once, before the file's row commits.
     */
    public Long fingerprint(Path file, MediaInfo info) throws IOException {
        if (!config.enabled() || info == null || info.kind() == null) {
            return null;
        }
        double[] grey = images.of(file, info);
        return grey == null ? null : PerceptualHash.of(grey);
    }

    /**
     * After the rows of new originals have committed (with their perceptual_hash): records each one's near neighbours
     * among everything the ledger knows, and marks each hashed file checked (media_files.near_checked) in the same
     * transaction as its pairs and groups. Idempotent. A crash between the commit of a row and this call leaves the
     * file hashed but not checked: the backfill pass ({@link #backfill()}) finds it and calls this for it.
     */
    public void recordNear(Collection<UUID> newMediaIds) {
        if (!config.enabled() || ledger == null || newMediaIds.isEmpty()) {
            return;
        }
        refresh();
        List<NearLedger.Hashed> files = ledger.hashesOf(newMediaIds);
        List<NearLedger.Pair> pairs = new ArrayList<>();
        for (NearLedger.Hashed file : files) {
            NearIndex index = index(file.kind());
            // in the index from now on, also when the refresh ran before this row committed
            index.put(file.id(), file.hash());
            for (NearIndex.Match m : index.within(file.id(), file.hash(), config.maxDistance())) {
                pairs.add(new NearLedger.Pair(m.id(), file.id(), m.distance()));
            }
        }
        ledger.record(files.stream().map(NearLedger.Hashed::id).toList(), pairs);
    }

    /**
     * At start: records the pairs of every file hashed but never checked (a crash between its batch's commit and
     * {@link #recordNear}). The backfill would find them only from a minute after the start and only while their
     * copies are not cleaned yet, so a `once` (shorter than that) killed there left them unrecorded for good.
     * Returns how many files it checked.
     */
    public int recoverUnchecked() {
        if (!config.enabled() || ledger == null) {
            return 0;
        }
        List<UUID> unchecked = ledger.hashedUnchecked();
        for (int i = 0; i < unchecked.size(); i += BACKFILL_BATCH) {
            recordNear(unchecked.subList(i, Math.min(unchecked.size(), i + BACKFILL_BATCH)));
        }
        if (!unchecked.isEmpty()) {
            LOG.info("Near-duplicates recorded at start for {} file(s) hashed but not checked when the last run stopped",
                    unchecked.size());
        }
        return unchecked.size();
    }

    /**
     * Hashes files registered before hashes were made, and records the near neighbours of those and of files hashed
     * but never checked (a crash before {@link #recordNear}); oldest first, in batches of {@link #BACKFILL_BATCH},
     * for at most the given time; returns how many files it hashed or checked. Run by
     * routes/22-near-duplicates every 30 seconds until nothing is left; does nothing while the guard is closed (the NAS
     * away: its files would all look unreadable).
     */
    public int backfill() {
        return backfillFor(BACKFILL_BUDGET);
    }

    int backfillFor(Duration budget) {
        long end = System.nanoTime() + budget.toNanos();
        int total = 0;
        while (config.enabled() && ledger != null && FileStore.guard().blocked().isEmpty() && System.nanoTime() < end) {
            List<NearLedger.Pending> batch = ledger.pending(BACKFILL_BATCH, unhashable);
            if (batch.isEmpty()) {
                break;
            }
            List<UUID> hashed = new ArrayList<>();
            for (NearLedger.Pending file : batch) {
                if (file.hashed()) {
                    hashed.add(file.id());
                    continue;
                }
                Long hash = null;
                try {
                    hash = fingerprint(Path.of(file.path()), file.info());
                } catch (IOException | RuntimeException e) {
                    LOG.info("No perceptual hash for {}: {}", Path.of(file.path()).getFileName(), e.getMessage());
                }
                if (hash == null) {
                    unhashable.add(file.id());
                } else {
                    ledger.storeHash(file.id(), hash);
                    hashed.add(file.id());
                }
            }
            recordNear(hashed);
            total += hashed.size();
        }
        if (total > 0) {
            LOG.info("Near-duplicates checked for {} file(s) registered before hashes or not checked yet", total);
        }
        return total;
    }

    /** The files of one kind whose hashes are known here; filled from the ledger by {@link #refresh()}. */
    private NearIndex index(String kind) {
        return indexes.computeIfAbsent(kind, k -> new NearIndex());
    }

    /** Reads the hashes committed since the last look, by this node or another one sharing the ledger. */
    private void refresh() {
        for (NearLedger.Hashed h : ledger.changedHashes()) {
            index(h.kind()).put(h.id(), h.hash());
        }
    }
}
