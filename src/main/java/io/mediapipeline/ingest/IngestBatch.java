package io.mediapipeline.ingest;

import io.mediapipeline.flow.Durable;
import io.mediapipeline.flow.GuardClosedException;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.flow.SourceChangedException;
import io.mediapipeline.ledger.BatchLedger;
import io.mediapipeline.ledger.BatchLedger.Content;
import io.mediapipeline.ledger.BatchLedger.Known;
import io.mediapipeline.ledger.BatchLedger.Outcome;
import io.mediapipeline.ledger.InputLedger;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ledger.RecordedMeanwhileException;
import io.mediapipeline.media.BadMediaException;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.similar.NearDuplicates;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
public class IngestBatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IngestBatch.class);
    private static final int PLACING_THREADS = 8;
    /** Decisions per batch when other writers keep recording its contents first (each time some become copies). */
    private static final int DECISIONS = 3;

    /** Where the inputs go: stored into originals/ and duplicates/ (the sources), or left in place (backfill). */
    public enum Placement { STORE, IN_PLACE }

    /**
     * One input: the file, the source it came from, whether it may be linked instead of copied (inbox), and its
     * attributes when the caller's walk has just read them (a rescan then reads each file's attributes once).
     */
    public record Input(Path file, String source, boolean mayLink, BasicFileAttributes seen) {
        public Input(Path file, String source, boolean mayLink) {
            this(file, source, mayLink, null);
        }
    }

    /**
     * What became of an input (see {@link BatchItem}): FAILED means nothing was recorded for it (its failure says why;
     * the caller handles it), QUARANTINED a bad input left in place and recorded so (backfill).
     */
    public enum Status { DONE_BEFORE, NEW, DUPLICATE, FAILED, QUARANTINED }

    private final Ledger ledger;
    private final BatchLedger batches;
    private final InputLedger inputs;
    private final Ingest ingest;
    private final NearDuplicates near;
    private final AfterCommit handingOn;
    private final RunContext run;
    private final ParallelPass pass;
    private final ParallelPass placing;
    private final BatchCommit committing;
    private final Object deciding = new Object();

    public IngestBatch(Ledger ledger, Ingest ingest, NearDuplicates near, LivePhotos livePhotos, Handoff handoff,
                       RunContext run, int parallelism) {
        this.ledger = ledger;
        this.batches = new BatchLedger(ledger.dataSource());
        this.inputs = new InputLedger(ledger.dataSource());
        this.ingest = ingest;
        this.near = near;
        this.handingOn = new AfterCommit(ledger, run, near, livePhotos, handoff);
        this.run = run;
        this.committing = new BatchCommit(batches, ledger, run, this::removeUnrecorded);
        this.pass = new ParallelPass(parallelism, "ingest-examine");
        // placing waits on the disk (each copy's fsync), not the CPU: more at once lets the file system commit
        // their journal together
        this.placing = new ParallelPass(Math.max(parallelism, PLACING_THREADS), "ingest-place");
    }

    /** Takes the batch through every step; returns one item per input, in the inputs' order. */
    public List<BatchItem> run(List<Input> batch, Placement placement) throws IOException {
        long started = System.nanoTime();
        List<BatchItem> items = new ArrayList<>(batch.size());
        for (Input in : batch) {
            items.add(BatchItem.seen(in));
        }
        List<BatchItem> todo = notFinished(items, placement);
        pass.each(todo, item -> examine(item, placement));
        long examined = System.nanoTime();
        long placed = examined;
        // the new originals recorded, whole batch or one by one: handed on even when a later step fails the batch
        List<BatchItem> stored = new ArrayList<>();
        long committed;
        try {
            synchronized (deciding) {
                for (int decision = 1; ; decision++) {
                    try {
                        List<BatchItem> recorded = decideAndPlace(todo, placement);
                        placed = System.nanoTime();
                        committing.commit(recorded, placement, stored);
                        break;
                    } catch (RecordedMeanwhileException e) {
                        if (decision == DECISIONS) {
                            throw e; // what is not recorded yet is taken again by the sources
                        }
                        LOG.info("{}", e.getMessage());
                        todo = decideAgain(todo, placement, stored);
                    }
                }
            }
        } finally {
            committed = System.nanoTime();
            // nothing from here on may fail the batch's exchanges (a redelivery finds them done before)
            handingOn.afterCommit(stored, placement);
        }
        if (!items.isEmpty()) {
            LOG.info("Ingest batch: {} inputs, {} new, {} duplicates, {} not taken, {} done before ({} ms: examined {}, "
                            + "placed {}, committed {}, handed on {})", items.size(), count(items, Status.NEW),
                    count(items, Status.DUPLICATE), count(items, Status.FAILED) + count(items, Status.QUARANTINED),
                    count(items, Status.DONE_BEFORE), ms(started, System.nanoTime()), ms(started, examined),
                    ms(examined, placed), ms(placed, committed), ms(committed, System.nanoTime()));
        }
        return items;
    }

    private static long ms(long from, long to) {
        return (to - from) / 1_000_000;
    }

    /** One look-up for the whole batch: what an earlier run finished is left alone (unless its copy is lost). */
    private List<BatchItem> notFinished(List<BatchItem> items, Placement placement) throws IOException {
        List<String> keys = new ArrayList<>();
        for (BatchItem item : items) {
            if (item.status == null) {
                keys.add(item.key);
            }
        }
        Map<String, Known> known = batches.known(keys, placement == Placement.STORE);
        List<BatchItem> todo = new ArrayList<>();
        for (BatchItem item : items) {
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
    private boolean lost(BatchItem item, Known k) throws IOException {
        String problem = CopyCheck.problem(k.copy(), item.input.file());
        if (problem == null || !inputs.reopen(k.id(), "recorded as done, but " + problem)) {
            return false;
        }
        LOG.warn("{} was recorded as done, but {}; ingesting it again instead of letting it go", item.input.file(), problem);
        ledger.log(run.runId(), "ingest", "warn", "recorded as done, but " + problem + "; ingesting it again", null,
                item.input.file().toString());
        return true;
    }

    /**
     * Another writer (another node, or backfill beside the service) recorded some of the batch's contents after the
     * look-up, and that commit recorded nothing: every examined input not recorded yet is decided again, and what an
     * earlier commit of this batch recorded one by one is found done. A copy placed as new content is removed unless a
     * row names it (the other writer's original can have the very same name: names come from the content).
     */
    private List<BatchItem> decideAgain(List<BatchItem> todo, Placement placement, List<BatchItem> stored)
            throws IOException {
        Set<BatchItem> recorded = Collections.newSetFromMap(new IdentityHashMap<>());
        recorded.addAll(stored);
        List<Path> placedNew = new ArrayList<>();
        List<BatchItem> examined = new ArrayList<>();
        for (BatchItem item : todo) {
            if (item.info == null || recorded.contains(item)) {
                continue; // failed before it was examined (stays failed), or recorded and handed on as it is
            }
            if (item.outcome == Outcome.NEW && item.place != null && placement == Placement.STORE) {
                placedNew.add(item.place);
            }
            item.undecide();
            examined.add(item);
        }
        Set<BatchItem> left = Collections.newSetFromMap(new IdentityHashMap<>());
        left.addAll(notFinished(examined, placement));
        placedNew.forEach(this::removeUnrecorded);
        return todo.stream().filter(item -> item.info == null || left.contains(item)).toList();
    }

    /** Removes a placed copy no row names (it would only be an orphan); one a row names is another writer's. */
    void removeUnrecorded(Path copy) {
        if (copy != null && !batches.names(copy.toString())) {
            BatchItem.remove(copy);
        }
    }

    /** Work stopped under the batch (its threads closed) is not the file's fault: the whole batch is taken again. */
    private static void stoppedUnder(Exception e) {
        if (e instanceof ClosedByInterruptException || Thread.currentThread().isInterrupted()) {
            throw new IllegalStateException("stopped while the batch was worked on", e);
        }
    }

    /** Hash, probe, fingerprint: the part that runs in parallel. A failure stays with its input. */
    private void examine(BatchItem item, Placement placement) {
        Path file = item.input.file();
        try {
            Ingest.Hashed hashed = Ingest.hash(file);
            item.sha256 = hashed.sha256();
            item.size = hashed.size();
            item.mtime = hashed.mtime();
            item.info = placement == Placement.STORE ? ingest.checkedInspect(file) : ingest.inspect(file);
            item.perceptualHash = fingerprint(file, item.info);
        } catch (BadMediaException | IOException | RuntimeException e) {
            stoppedUnder(e);
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
     * files is the original), places them in parallel (each copy fsynced), makes each touched folder durable once,
     * and returns the inputs that get rows.
     */
    private List<BatchItem> decideAndPlace(List<BatchItem> todo, Placement placement) throws IOException {
        Set<String> shas = new LinkedHashSet<>();
        for (BatchItem item : todo) {
            if (item.status == null) {
                shas.add(item.sha256);
            }
        }
        Map<String, Content> contents = batches.contents(shas);
        Map<String, BatchItem> first = new HashMap<>();
        List<BatchItem> decided = new ArrayList<>();
        for (BatchItem item : todo) {
            if (item.status == null) {
                item.decide(first.get(item.sha256), contents.get(item.sha256));
                first.putIfAbsent(item.sha256, item);
                decided.add(item);
            }
        }
        if (placement == Placement.STORE) {
            // a copy whose first copy in this batch could not be placed takes its place (the fault is not its own)
            for (List<BatchItem> round = decided; !round.isEmpty();
                 round = BatchItem.promoted(decided, this::removeUnrecorded)) {
                placing.each(round, this::place);
                for (BatchItem item : round) {
                    if (item.failure instanceof GuardClosedException paused) {
                        throw paused; // what was placed is placed again (same name, same content) once the guard opens
                    }
                }
            }
        }
        Set<Path> touched = new LinkedHashSet<>();
        List<BatchItem> recorded = new ArrayList<>();
        for (BatchItem item : todo) {
            if (item.status == Status.FAILED) {
                if (placement == Placement.IN_PLACE && item.key != null) {
                    item.status = Status.QUARANTINED;
                    recorded.add(item);
                }
                continue;
            }
            if (placement == Placement.IN_PLACE) {
                item.place = item.input.file();
            } else {
                touched.add(item.place.getParent());
            }
            recorded.add(item);
        }
        for (Path dir : touched) {
            Durable.syncDir(dir);
        }
        return recorded;
    }

    /**
     * Places the input as it was hashed (a copy is hashed again on the way; a changed input is refused and left for a
     * later try); a failure stays with the input, except a closed guard, which pauses the whole batch.
     */
    private void place(BatchItem item) {
        Path file = item.input.file();
        try {
            BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class);
            if (now.size() != item.size || now.lastModifiedTime().toMillis() != item.mtime) {
                throw new SourceChangedException(file + " changed after it was hashed; it is taken again once it is stable");
            }
            item.place = item.outcome == Outcome.DUPLICATE
                    ? ingest.placeDuplicate(file, item.sha256, item.input.mayLink())
                    : ingest.placeOriginal(file, item.sha256, item.info, item.input.mayLink());
        } catch (SourceChangedException e) {
            ledger.log(run.runId(), "ingest", "warn", e.getMessage(), null, file.toString());
            LOG.warn("{}", e.getMessage());
            item.fail(e);
        } catch (IOException | RuntimeException e) {
            stoppedUnder(e);
            item.fail(e); // a closed guard is found among the failures and pauses the whole batch
        }
    }

    /** Ends the examining and placing threads (the stage stops, or backfill is done). */
    @Override
    public void close() {
        pass.close();
        placing.close();
    }

    private static long count(List<BatchItem> items, Status status) {
        return items.stream().filter(i -> i.status == status).count();
    }
}
