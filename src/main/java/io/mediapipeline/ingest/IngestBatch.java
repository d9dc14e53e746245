package io.mediapipeline.ingest;

import io.mediapipeline.flow.FileStore;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.flow.SourceChangedException;
import io.mediapipeline.ledger.BatchLedger;
import io.mediapipeline.ledger.BatchLedger.Content;
import io.mediapipeline.ledger.BatchLedger.Entry;
import io.mediapipeline.ledger.BatchLedger.Known;
import io.mediapipeline.ledger.BatchLedger.Outcome;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.BadMediaException;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaProbe;
import io.mediapipeline.similar.NearDuplicates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingest's steps for a batch of inputs, shared by the sources' routes and by backfill: the inputs an earlier run
 * finished are found with one look-up and left alone; the others are hashed, probed and fingerprinted in parallel
 * ({@link ParallelPass}); then, one batch at a time, each is decided (new content, or a copy of known content),
 * placed (originals/ or duplicates/; backfill places nothing), every file and each touched folder made durable, and
 * all the batch's rows committed in one transaction. Only then are the new originals handed on to the next stages,
 * their near-duplicates recorded and Live Photo halves paired. A crash anywhere means the batch is done again:
 * placing is idempotent (same name, same content) and nothing is recorded before its file is on the disk.
 */
public class IngestBatch {

    private static final Logger LOG = LoggerFactory.getLogger(IngestBatch.class);

    /** Where the inputs go: stored into originals/ and duplicates/ (the sources), or left in place (backfill). */
    public enum Placement { STORE, IN_PLACE }

    /** One input: the file, the source it came from, and whether it may be linked instead of copied (inbox). */
    public record Input(Path file, String source, boolean mayLink) {
    }

    /** What became of an input (see {@link Item}); failure is null unless nothing was recorded for it. */
    public enum Status { DONE_BEFORE, NEW, DUPLICATE, FAILED, QUARANTINED }

    private final Ledger ledger;
    private final BatchLedger batches;
    private final io.mediapipeline.ledger.InputLedger inputs;
    private final Ingest ingest;
    private final NearDuplicates near;
    private final LivePhotos livePhotos;
    private final Handoff handoff;
    private final RunContext run;
    private final ParallelPass pass;
    private final Object deciding = new Object();

    public IngestBatch(Ledger ledger, Ingest ingest, NearDuplicates near, LivePhotos livePhotos, Handoff handoff,
                       RunContext run, int parallelism) {
        this.ledger = ledger;
        this.batches = new BatchLedger(ledger.dataSource());
        this.inputs = new io.mediapipeline.ledger.InputLedger(ledger.dataSource());
        this.ingest = ingest;
        this.near = near;
        this.livePhotos = livePhotos;
        this.handoff = handoff;
        this.run = run;
        this.pass = new ParallelPass(parallelism);
    }

    /** Takes the batch through every step; returns one item per input, in the inputs' order. */
    public List<Item> run(List<Input> batch, Placement placement) throws IOException {
        long started = System.nanoTime();
        List<Item> items = new ArrayList<>(batch.size());
        for (Input in : batch) {
            items.add(Item.seen(in));
        }
        List<Item> todo = notFinished(items, placement);
        pass.each(todo, item -> examine(item, placement));
        List<Item> stored = new ArrayList<>();
        synchronized (deciding) {
            List<Entry> entries = decideAndPlace(todo, placement, stored);
            batches.commit(run.runId(), entries);
        }
        afterCommit(stored, placement);
        if (!items.isEmpty()) {
            LOG.info("Ingest batch: {} inputs, {} new, {} duplicates, {} not taken, {} done before ({} ms)", items.size(),
                    count(items, Status.NEW), count(items, Status.DUPLICATE),
                    count(items, Status.FAILED) + count(items, Status.QUARANTINED), count(items, Status.DONE_BEFORE),
                    (System.nanoTime() - started) / 1_000_000);
        }
        return items;
    }

    /** One look-up for the whole batch: what an earlier run finished is left alone (unless its copy is lost). */
    private List<Item> notFinished(List<Item> items, Placement placement) throws IOException {
        List<String> keys = new ArrayList<>();
        for (Item item : items) {
            if (item.status == null) {
                keys.add(item.key);
            }
        }
        Map<String, Known> known = batches.known(keys);
        List<Item> todo = new ArrayList<>();
        for (Item item : items) {
            if (item.status != null) {
                continue;
            }
            Known k = known.get(item.key);
            if (k != null && k.finished() && !(placement == Placement.STORE && lost(item, k))) {
                item.status = Status.DONE_BEFORE;
            } else {
                todo.add(item);
            }
        }
        return todo;
    }

    /** A finished input whose recorded copy is gone (a power cut took its directory entry) is ingested again. */
    private boolean lost(Item item, Known k) throws IOException {
        String problem = CopyCheck.problem(k.copy(), item.input.file());
        if (problem == null || !inputs.reopen(k.id(), "recorded as done, but " + problem)) {
            return false;
        }
        LOG.warn("{} was recorded as done, but {}; ingesting it again instead of letting it go", item.input.file(), problem);
        ledger.log(run.runId(), "ingest", "warn", "recorded as done, but " + problem + "; ingesting it again", null,
                item.input.file().toString());
        return true;
    }

    /** Hash, probe, fingerprint: the part that runs in parallel. A failure stays with its input. */
    private void examine(Item item, Placement placement) {
        Path file = item.input.file();
        try {
            Ingest.Hashed hashed = Ingest.hash(file);
            item.sha256 = hashed.sha256();
            item.size = hashed.size();
            item.mtime = hashed.mtime();
            item.info = placement == Placement.STORE ? ingest.checkedInspect(file) : ingest.inspect(file);
            item.perceptualHash = fingerprint(file, item.info);
        } catch (BadMediaException | IOException | RuntimeException e) {
            item.fail(e);
        }
    }

    private Long fingerprint(Path file, MediaInfo info) {
        if (near == null) {
            return null;
        }
        try {
            return near.fingerprint(file, info);
        } catch (IOException | RuntimeException e) {
            // a missing fingerprint only means no near-duplicate is found for this file: ingest goes on
            LOG.warn("{}: no perceptual hash ({})", file, e.getMessage());
            return null;
        }
    }

    /**
     * Decides each examined input against the ledger (one look-up) and the batch itself (the first of two equal
     * files is the original), places it, makes the touched folders durable, and returns the batch's rows.
     */
    private List<Entry> decideAndPlace(List<Item> todo, Placement placement, List<Item> stored) throws IOException {
        Set<String> shas = new LinkedHashSet<>();
        for (Item item : todo) {
            if (item.status == null) {
                shas.add(item.sha256);
            }
        }
        Map<String, Content> contents = batches.contents(shas);
        Map<String, Item> first = new HashMap<>();
        Set<Path> touched = new LinkedHashSet<>();
        List<Entry> entries = new ArrayList<>();
        for (Item item : todo) {
            if (item.status == null) {
                decide(item, first.get(item.sha256), contents.get(item.sha256));
                if (place(item, placement, touched)) {
                    first.putIfAbsent(item.sha256, item);
                    entries.add(item.entry(placement));
                    if (item.outcome != Outcome.DUPLICATE) {
                        stored.add(item);
                    }
                }
            } else if (placement == Placement.IN_PLACE) {
                item.status = Status.QUARANTINED;
                entries.add(item.entry(placement));
            }
        }
        for (Path dir : touched) {
            io.mediapipeline.flow.Durable.syncDir(dir);
        }
        return entries;
    }

    private static void decide(Item item, Item earlier, Content known) {
        if (earlier != null) {
            item.decided(Outcome.DUPLICATE, earlier.mediaId, earlier.place.toString());
        } else if (known == null) {
            item.decided(Outcome.NEW, UUID.randomUUID(), null);
        } else if (known.unfinished() && item.input.file().toString().equals(known.sourcePath())) {
            item.decided(Outcome.RESUME, known.id(), null);
        } else if (known.originalPath() != null
                && !Files.isRegularFile(Path.of(known.originalPath()), LinkOption.NOFOLLOW_LINKS)) {
            LOG.warn("The original {} is missing; {} takes its place", known.originalPath(), item.input.file());
            item.decided(Outcome.RESUME, known.id(), null);
        } else {
            item.decided(Outcome.DUPLICATE, known.id(), known.originalPath());
        }
    }

    /** Places the input as hashed (see Ingest.place); false when it could not be, with the failure kept. */
    private boolean place(Item item, Placement placement, Set<Path> touched) throws IOException {
        Path file = item.input.file();
        if (placement == Placement.IN_PLACE) {
            item.place = file;
            return true;
        }
        try {
            BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class);
            if (now.size() != item.size || now.lastModifiedTime().toMillis() != item.mtime) {
                throw new SourceChangedException(file + " changed after it was hashed; it is taken again once it is stable");
            }
            item.place = item.outcome == Outcome.DUPLICATE
                    ? ingest.placeDuplicate(file, item.sha256, item.input.mayLink())
                    : ingest.placeOriginal(file, item.sha256, item.info, item.input.mayLink());
            touched.add(item.place.getParent());
            return true;
        } catch (SourceChangedException e) {
            ledger.log(run.runId(), "ingest", "warn", e.getMessage(), null, file.toString());
            LOG.warn("{}", e.getMessage());
            item.fail(e);
            return false;
        } catch (io.mediapipeline.flow.GuardClosedException e) {
            throw e; // a pause for the whole batch, not this file's failure
        } catch (IOException e) {
            item.fail(e);
            return false;
        }
    }

    /** After the commit: hand the new originals on, record their near-duplicates, pair Live Photo halves. */
    private void afterCommit(List<Item> stored, Placement placement) throws IOException {
        if (stored.isEmpty()) {
            return;
        }
        if (placement == Placement.STORE && handoff != null) {
            List<Handoff.Queued> queued = new ArrayList<>();
            for (Item item : stored) {
                queued.add(new Handoff.Queued(item.place, item.sha256, item.info.extension()));
            }
            for (String stage : handoff.stagesAfterIngest()) {
                handoff.sendAll(stage, queued);
            }
        }
        List<UUID> ids = new ArrayList<>();
        for (Item item : stored) {
            ids.add(item.mediaId);
        }
        if (near != null) {
            near.recordNear(ids);
        }
        if (livePhotos != null) {
            for (Item item : stored) {
                Path source = item.input.file();
                UUID partner = livePhotos.pair(item.mediaId, item.info.kind().name().toLowerCase(Locale.ROOT),
                        item.info.contentIdentifier(), source.getParent() == null ? "" : source.getParent().toString(),
                        LivePhotos.stem(source.getFileName().toString()));
                if (partner != null) {
                    LOG.info("Live Photo: {} paired with {}", source.getFileName(), partner);
                }
            }
        }
    }

    private static long count(List<Item> items, Status status) {
        return items.stream().filter(i -> i.status == status).count();
    }

    /** An input on its way through the batch, and in the end what became of it. */
    public static final class Item {
        final Input input;
        final String key;
        long size;
        long mtime;
        String sha256;
        MediaInfo info;
        Long perceptualHash;
        Outcome outcome;
        UUID mediaId;
        Path place;
        String existingOriginal;
        Status status;
        Exception failure;

        private Item(Input input, String key) {
            this.input = input;
            this.key = key;
        }

        static Item seen(Input in) {
            try {
                BasicFileAttributes a = Files.readAttributes(in.file(), BasicFileAttributes.class);
                Item item = new Item(in, Ingest.sourceKey(in.source(), in.file(), a.size(), a.lastModifiedTime().toMillis()));
                item.size = a.size();
                return item;
            } catch (IOException e) {
                Item item = new Item(in, null);
                item.fail(e);
                return item;
            }
        }

        void fail(Exception e) {
            failure = e;
            status = Status.FAILED;
        }

        void decided(Outcome o, UUID id, String original) {
            outcome = o;
            mediaId = id;
            existingOriginal = original;
            status = o == Outcome.DUPLICATE ? Status.DUPLICATE : Status.NEW;
        }

        Entry entry(Placement placement) {
            boolean inPlace = placement == Placement.IN_PLACE;
            if (status == Status.QUARANTINED) {
                return new Entry(Outcome.QUARANTINED, input.source(), key, input.file().toString(), size, sha256, null,
                        null, null, input.file().toString(), true, Quarantine.reasonOf(failure));
            }
            return new Entry(outcome, input.source(), key, input.file().toString(), size, sha256, mediaId, info,
                    perceptualHash, place.toString(), inPlace, null);
        }

        public Input input() {
            return input;
        }

        public Status status() {
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

        /** For a duplicate: the original it copies (null when the original is new in the same batch and unplaced). */
        public String existingOriginal() {
            return existingOriginal;
        }
    }
}
