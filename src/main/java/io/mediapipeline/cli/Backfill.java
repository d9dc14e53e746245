package io.mediapipeline.cli;

import io.mediapipeline.config.CoreConfig;
import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ingest.BatchItem;
import io.mediapipeline.ingest.Ingest;
import io.mediapipeline.ingest.IngestBatch;
import io.mediapipeline.ingest.IngestConfig;
import io.mediapipeline.ingest.LivePhotos;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.FinishedKeys;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ledger.LedgerException;
import io.mediapipeline.media.ExifTool;
import io.mediapipeline.media.MediaProbe;
import io.mediapipeline.report.RunReport;
import io.mediapipeline.similar.NearDuplicates;
import io.mediapipeline.status.Rate;
import io.mediapipeline.status.Wording;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * `backfill DIR`: registers an existing, already organized archive in the ledger without moving,
 * copying or changing a single file. Each file becomes an archived row whose original and archive
 * path are where it already is; copies are recorded as duplicates, unreadable files as quarantined
 * (in place). Resumable, and a rescan is quick: the files an earlier backfill registered are found by path, size and
 * modification time in one pass that reads the ledger's keys in the walk's own order. The tree is walked as a stream
 * ({@link TreeWalk}), from before the ledger opens.
 */
public final class Backfill {

    private static final String SOURCE = "backfill";
    /** Files the walk hands over at a time (ingest's batches have their own size). */
    private static final int WALK_BATCH = 1000;
    private static final Duration PRINT_EVERY = Duration.ofSeconds(5);
    private static final Duration COUNT_AFTER = Duration.ofSeconds(3);

    private Backfill() {
    }

    /**
     * A backfill's walk, started as soon as the command line names the tree: a rescan of a large tree is mostly this
     * walk, and it goes on while the JVM sets up logging, the settings are read and the database starts.
     */
    public static final class Walk implements AutoCloseable {
        private final Path root;
        private final TreeWalk<IngestBatch.Input> files;

        private Walk(Path root, TreeWalk<IngestBatch.Input> files) {
            this.root = root;
            this.files = files;
        }

        @Override
        public void close() {
            if (files != null) {
                files.close();
            }
        }
    }

    /** Starts walking dir (nothing when it is not a folder: {@link #run} says so). */
    public static Walk walk(Path dir) {
        Path root = dir.toAbsolutePath().normalize();
        return new Walk(root, Files.isDirectory(root)
                ? TreeWalk.ahead(root, WALK_BATCH, (file, attrs) -> new IngestBatch.Input(file, SOURCE, false, attrs))
                : null);
    }

    public static int run(Settings settings, Walk walked) throws Exception {
        Path root = walked.root;
        TreeWalk<IngestBatch.Input> walk = walked.files;
        if (walk == null) {
            System.err.println("backfill: " + root + " is not a directory");
            return 1;
        }
        // a walk of its own only counts (names and types, no file is opened) while the registering one goes on, so
        // progress can say how much is left; it waits until the first progress line is near, so a short run (a
        // rescan) does not walk the tree twice
        long started = System.nanoTime();
        CompletableFuture<Long> total = new CompletableFuture<>();
        Thread counting = daemon("backfill-count", () -> {
            long[] n = {0};
            try {
                Thread.sleep(COUNT_AFTER.toMillis());
                TreeWalk.walk(root, (file, attrs) -> n[0]++);
                total.complete(n[0]);
            } catch (InterruptedException e) {
                total.cancel(false); // the work ended first
            } catch (IOException | RuntimeException e) {
                total.completeExceptionally(e); // the registering walk meets the same folder and says so
            }
        });
        CoreConfig core = CoreConfig.from(settings);
        IngestConfig config = IngestConfig.from(settings);
        long opening = System.nanoTime();
        try (Database db = Database.open(settings);
             ExifTool exif = new ExifTool(core.exiftool())) {
            long opened = System.nanoTime();
            counting.start();
            Ledger ledger = new Ledger(db.dataSource());
            MediaProbe probe = new MediaProbe(exif, core.ffprobe(), core.ffmpeg(), core.zone());
            RunContext run = new RunContext(ledger, "backfill", core.node());
            // ingest's own steps, with nothing placed and nothing handed on: a backfilled file stays where it is,
            // and the extension is not held against the content (the archive is taken as it is)
            Ingest steps = new Ingest(ledger, probe, run, core.home(), true);
            try (IngestBatch batches = new IngestBatch(ledger, steps, new NearDuplicates(db.dataSource(), settings),
                    new LivePhotos(db.dataSource()), null, run, config.parallelism())) {
                Progress progress = new Progress(total);
                // what an earlier backfill registered is known by its key, read along with the walk in one ordered
                // pass; the rest goes through ingest's steps, whose own look-up is the one that decides
                Registered registered = new Registered(FinishedKeys.under(db.dataSource(),
                        Ingest.sourceKeyPrefix(SOURCE, root)));
                Ingesting rest = new Ingesting(batches, config.backfillBatchSize(), progress);
                try {
                    for (List<IngestBatch.Input> chunk = walk.next(); !chunk.isEmpty(); chunk = walk.next()) {
                        int found = 0;
                        for (IngestBatch.Input in : chunk) {
                            if (registered.has(in)) {
                                found++;
                            } else {
                                rest.add(in);
                            }
                        }
                        progress.done(found, List.of());
                    }
                } catch (IOException | RuntimeException e) {
                    // what was walked is registered, also before a folder that stopped the walk
                    try {
                        rest.flush();
                    } catch (IOException | RuntimeException also) {
                        e.addSuppressed(also);
                    }
                    throw e;
                }
                rest.flush();
                progress.print(true);
            } finally {
                counting.interrupt();
            }
            RunReport.Summary summary = new RunReport(ledger, settings.home()).write(run.runId());
            System.out.println("backfill: done " + summary.counts() + "; report " + summary.file());
            // the work apart from starting up, so a rescan can be compared with a tool that has no database to start
            // (the walk that went on meanwhile, from before the settings were read, is not in it either)
            long end = System.nanoTime();
            System.out.printf(Locale.ROOT, "backfill: work %.3f s (walks, look-ups, reads, ledger writes, report); "
                    + "database start %.3f s (not in the work)%n", ((opening - started) + (end - opened)) / 1e9,
                    (opened - opening) / 1e9);
            return summary.counts().getOrDefault("quarantined", 0L) > 0 ? 3 : 0;
        }
    }

    /** What the ordered read did not find, through ingest's steps in batches of the configured size. */
    private static final class Ingesting {
        private final IngestBatch batches;
        private final int size;
        private final Progress progress;
        private List<IngestBatch.Input> waiting = new ArrayList<>();

        Ingesting(IngestBatch batches, int size, Progress progress) {
            this.batches = batches;
            this.size = size;
            this.progress = progress;
        }

        void add(IngestBatch.Input in) throws IOException {
            waiting.add(in);
            if (waiting.size() >= size) {
                flush();
            }
        }

        void flush() throws IOException {
            if (!waiting.isEmpty()) {
                List<IngestBatch.Input> batch = waiting;
                waiting = new ArrayList<>();
                progress.done(0, batches.run(batch, IngestBatch.Placement.IN_PLACE));
            }
        }
    }

    /**
     * The ledger's finished keys under the tree, read along with the walk: both come in key order. A read that
     * fails half way ends the pass; the files after it go by ingest's look-up.
     */
    static final class Registered {
        private final Iterator<String> keys;
        private String next;

        Registered(Iterator<String> keys) {
            this.keys = keys;
            advance();
        }

        /** Whether the ledger holds this input finished (a file reached through a link is left to ingest's look-up). */
        boolean has(IngestBatch.Input in) {
            if (in.seen() == null) {
                return false;
            }
            String key = Ingest.sourceKey(SOURCE, in.file(), in.seen().size(), in.seen().lastModifiedTime().toMillis());
            // in an unchanged tree each key is the next one read: one equality per file, no ordering
            if (key.equals(next)) {
                advance(); // each key once: the walk does not meet a path twice
                return true;
            }
            while (next != null && KeyOrder.compare(next, key) < 0) {
                advance();
            }
            return key.equals(next);
        }

        private void advance() {
            try {
                next = keys.hasNext() ? keys.next() : null;
            } catch (LedgerException e) {
                System.err.println("backfill: the ordered read of the ledger stopped (" + e.getMessage()
                        + "); looking the rest up by batch");
                next = null;
            }
        }
    }

    private static Thread daemon(String name, Runnable work) {
        Thread t = new Thread(work, name);
        t.setDaemon(true);
        return t;
    }

    /** Progress on stderr every few seconds: files per minute over the last minute, and the time left. */
    private static final class Progress {
        private final CompletableFuture<Long> total;
        private final Rate rate = new Rate(Duration.ofMinutes(1));
        private Instant lastPrint = Instant.now();
        private long seen;
        private long before;
        private long inOnePass;

        Progress(CompletableFuture<Long> total) {
            this.total = total;
            rate.add(Instant.now(), 0);
        }

        /** registered: inputs found registered by the ordered pass; items: what ingest's steps made of the rest. */
        void done(int registered, List<BatchItem> items) {
            seen += registered;
            before += registered;
            inOnePass += registered;
            for (BatchItem item : items) {
                seen++;
                if (item.status() == IngestBatch.Status.DONE_BEFORE) {
                    before++;
                } else if (item.failure() != null) {
                    System.out.println("backfill: not registered (left in place): " + item.input().file() + ": "
                            + item.failure().getMessage());
                }
            }
            rate.add(Instant.now(), seen);
            print(false);
        }

        void print(boolean last) {
            Instant now = Instant.now();
            if (!last && Duration.between(lastPrint, now).compareTo(PRINT_EVERY) < 0) {
                return;
            }
            lastPrint = now;
            if (last) {
                System.err.println(String.format(Locale.ROOT, "backfill: %,d/%,d files (%,d already registered, %,d of them"
                        + " found in one ordered read of the ledger), every file looked at", seen, seen, before, inOnePass));
                return;
            }
            long all = total.isDone() && !total.isCompletedExceptionally() ? total.join() : -1;
            if (all < 0) {
                System.err.println(String.format(Locale.ROOT,
                        "backfill: %,d files so far (%,d already registered), still counting the tree", seen, before));
                return;
            }
            System.err.println(String.format(Locale.ROOT, "backfill: %,d/%,d files (%,d already registered), %s",
                    seen, all, before, Wording.pace(rate.progress(Math.max(0, all - seen)))));
        }
    }
}
