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
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.ExifTool;
import io.mediapipeline.media.MediaProbe;
import io.mediapipeline.report.RunReport;
import io.mediapipeline.similar.NearDuplicates;
import io.mediapipeline.status.Rate;
import io.mediapipeline.status.Wording;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * `backfill DIR`: registers an existing, already organized archive in the ledger without moving,
 * copying or changing a single file. Each file becomes an archived row whose original and archive
 * path are where it already is; copies are recorded as duplicates, unreadable files as quarantined
 * (in place). Resumable: files registered by an earlier, interrupted backfill are skipped, a batch at a
 * time with one ledger look-up. The tree is walked as a stream (never held as a list), in path order: each
 * folder's entries are sorted as it is entered, which costs one folder's names at a time.
 */
public final class Backfill {

    private static final String SOURCE = "backfill";
    private static final Duration PRINT_EVERY = Duration.ofSeconds(5);
    private static final Duration COUNT_AFTER = Duration.ofSeconds(3);

    private Backfill() {
    }

    /** Takes each file the walk finds. */
    private interface FileSink {
        /** attrs: the file's own attributes, or null when it is reached through a symbolic link. */
        void take(Path file, BasicFileAttributes attrs) throws IOException;
    }

    public static int run(Settings settings, Path dir) throws Exception {
        Path root = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            System.err.println("backfill: " + root + " is not a directory");
            return 1;
        }
        // a walk of its own only counts (names and types, no file is opened) while the registering one goes on, so
        // progress can say how much is left; it waits until the first progress line is near, so a short run (a
        // rescan) does not walk the tree twice
        long walkStarted = System.nanoTime();
        CompletableFuture<Long> total = new CompletableFuture<>();
        Thread counting = daemon("backfill-count", () -> {
            long[] n = {0};
            try {
                Thread.sleep(COUNT_AFTER.toMillis());
                walk(root, (file, attrs) -> n[0]++);
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
                register(root, batches, new Progress(total), config.backfillBatchSize());
            } finally {
                counting.interrupt();
            }
            RunReport.Summary summary = new RunReport(ledger, settings.home()).write(run.runId());
            System.out.println("backfill: done " + summary.counts() + "; report " + summary.file());
            // the work apart from starting up, so a rescan can be compared with a tool that has no database to start
            long end = System.nanoTime();
            System.out.printf(Locale.ROOT, "backfill: work %.3f s (walks, look-ups, reads, ledger writes, report); "
                    + "database start %.3f s (not in the work)%n", ((opening - walkStarted) + (end - opened)) / 1e9,
                    (opened - opening) / 1e9);
            return summary.counts().getOrDefault("quarantined", 0L) > 0 ? 3 : 0;
        }
    }

    /**
     * Registers the tree's files batch by batch. The walk runs on a thread of its own, up to two batches ahead, so
     * reading the folders overlaps the ledger's look-ups instead of waiting for them.
     */
    private static void register(Path root, IngestBatch batches, Progress progress, int batchSize) throws IOException {
        BlockingQueue<List<IngestBatch.Input>> ready = new ArrayBlockingQueue<>(2);
        AtomicReference<Exception> walkFailed = new AtomicReference<>();
        Thread walking = daemon("backfill-walk", () -> {
            List<IngestBatch.Input> batch = new ArrayList<>(batchSize);
            try {
                walk(root, (file, attrs) -> {
                    batch.add(new IngestBatch.Input(file, SOURCE, false, attrs));
                    if (batch.size() >= batchSize) {
                        handOver(ready, new ArrayList<>(batch));
                        batch.clear();
                    }
                });
                handOver(ready, batch);
            } catch (IOException | RuntimeException e) {
                walkFailed.set(e);
            } finally {
                try {
                    ready.put(List.of()); // the end; a reader that failed interrupts this wait
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        walking.start();
        try {
            for (List<IngestBatch.Input> batch = take(ready); !batch.isEmpty(); batch = take(ready)) {
                progress.done(batches.run(batch, IngestBatch.Placement.IN_PLACE));
            }
        } finally {
            walking.interrupt();
        }
        if (walkFailed.get() instanceof IOException e) {
            throw e;
        } else if (walkFailed.get() instanceof RuntimeException e) {
            throw e;
        }
        progress.print(true);
    }

    private static void handOver(BlockingQueue<List<IngestBatch.Input>> ready, List<IngestBatch.Input> batch) {
        try {
            if (!batch.isEmpty()) {
                ready.put(batch);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("the walk was stopped", e);
        }
    }

    private static List<IngestBatch.Input> take(BlockingQueue<List<IngestBatch.Input>> ready) throws IOException {
        try {
            return ready.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while walking the tree");
        }
    }

    private static Thread daemon(String name, Runnable work) {
        Thread t = new Thread(work, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Every regular file under dir whose name does not start with a dot, in path order, as a stream: a folder's
     * entries are read and sorted when it is entered; folder links are not followed.
     */
    private static void walk(Path dir, FileSink sink) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir)) {
            listing.forEach(entries::add);
        }
        entries.sort(null);
        for (Path p : entries) {
            // one lstat per entry: a rescan of a large tree is mostly this walk
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isDirectory()) {
                walk(p, sink);
            } else if (!p.getFileName().toString().startsWith(".")
                    && (a.isRegularFile() || a.isSymbolicLink() && Files.isRegularFile(p))) {
                sink.take(p, a.isRegularFile() ? a : null);
            }
        }
    }

    /** Progress on stderr every few seconds: files per minute over the last minute, and the time left. */
    private static final class Progress {
        private final CompletableFuture<Long> total;
        private final Rate rate = new Rate(Duration.ofMinutes(1));
        private Instant lastPrint = Instant.now();
        private long seen;
        private long before;

        Progress(CompletableFuture<Long> total) {
            this.total = total;
            rate.add(Instant.now(), 0);
        }

        void done(List<BatchItem> items) {
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
                System.err.println(String.format(Locale.ROOT,
                        "backfill: %,d/%,d files (%,d already registered), every file looked at", seen, seen, before));
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
