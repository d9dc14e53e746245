package io.mediapipeline.cli;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

/**
 * Backfill's walk of a tree: every regular file whose name does not start with a dot, in the order of the ledger's
 * source keys, as a stream (a folder's entries are read and sorted when it is entered; folder links are not
 * followed). {@link #ahead} runs it on a thread of its own, in batches, a bounded number of batches ahead of the
 * reader: started before the ledger opens, the walk of a rescan (which is mostly this walk) overlaps the database's
 * start instead of following it.
 */
final class TreeWalk<T> implements AutoCloseable {

    /**
     * At most this many files are held walked and not yet taken, whatever the batch size: the first figure until the
     * reader takes its first batch (a rescan's walk goes on while the database starts), the second from then on.
     */
    static final int AHEAD_AT_START = 131_072;
    static final int AHEAD = 32_768;

    /** Takes each file the walk finds. */
    interface FileSink {
        /** attrs: the file's own attributes, or null when it is reached through a symbolic link. */
        void take(Path file, BasicFileAttributes attrs) throws IOException;
    }

    private final BlockingQueue<List<T>> ready = new LinkedBlockingQueue<>();
    /** Batches the walk may still hand over before the reader takes one. */
    private final Room room;
    private final int shrinkAfterStart;
    private boolean taken;
    private final AtomicReference<Throwable> failed = new AtomicReference<>();
    private final Thread walking;

    private TreeWalk(Path root, int batchSize, BiFunction<Path, BasicFileAttributes, T> item) {
        int atStart = Math.max(2, AHEAD_AT_START / batchSize);
        room = new Room(atStart);
        shrinkAfterStart = atStart - Math.max(2, AHEAD / batchSize);
        walking = new Thread(() -> {
            List<T> batch = new ArrayList<>(batchSize);
            try {
                walk(root, (file, attrs) -> {
                    batch.add(item.apply(file, attrs));
                    if (batch.size() >= batchSize) {
                        handOver(new ArrayList<>(batch));
                        batch.clear();
                    }
                });
            } catch (Throwable e) {
                failed.set(e); // an Error too (a tree too deep): the reader must not take the end for a whole walk
            } finally {
                // what was walked is taken, also before a folder that stopped the walk
                if (!batch.isEmpty()) {
                    ready.add(batch);
                }
                ready.add(List.of()); // the end
            }
        }, "backfill-walk");
        walking.setDaemon(true);
    }

    /** Starts walking root now, batchSize files to a batch, each file made into an item. */
    static <T> TreeWalk<T> ahead(Path root, int batchSize, BiFunction<Path, BasicFileAttributes, T> item) {
        TreeWalk<T> walk = new TreeWalk<>(root, batchSize, item);
        walk.walking.start();
        return walk;
    }

    /** The next batch in key order, or an empty list at the end; a folder the walk could not read fails here. */
    List<T> next() throws IOException {
        List<T> batch;
        try {
            batch = ready.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while walking the tree");
        }
        if (!batch.isEmpty()) {
            room.release();
            if (!taken) {
                taken = true;
                room.shrink(shrinkAfterStart);
            }
        }
        if (batch.isEmpty() && failed.get() instanceof IOException e) {
            throw e;
        } else if (batch.isEmpty() && failed.get() instanceof RuntimeException e) {
            throw e;
        } else if (batch.isEmpty() && failed.get() != null) {
            throw new IllegalStateException("the walk of the tree failed: " + failed.get(), failed.get());
        }
        return batch;
    }

    /** Stops the walk (when the reader stops early). */
    @Override
    public void close() {
        walking.interrupt();
    }

    private void handOver(List<T> batch) {
        try {
            if (!batch.isEmpty()) {
                room.acquire();
                ready.add(batch);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("the walk was stopped", e);
        }
    }

    /**
     * The walk itself, on the caller's thread. A folder's entries go in the order of their source keys (a folder's
     * name sorts as "name/", a file's as "name|size|modified"), so the whole walk comes in the ledger's key order and
     * a rescan can merge it with the ledger's keys in one pass.
     */
    static void walk(Path dir, FileSink sink) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir)) {
            for (Path p : listing) {
                // one lstat per entry: a rescan of a large tree is mostly this walk
                entries.add(Entry.of(p, Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)));
            }
        }
        entries.sort((a, b) -> KeyOrder.compare(a.order, b.order));
        for (Entry e : entries) {
            if (e.own.isDirectory()) {
                walk(e.path, sink);
            } else if (e.file) {
                sink.take(e.path, e.own.isRegularFile() ? e.own : null);
            }
        }
    }

    /** Permits for batches ahead, of which some are taken back once the reader has started. */
    private static final class Room extends Semaphore {
        Room(int permits) {
            super(permits);
        }

        void shrink(int permits) {
            reducePermits(permits);
        }
    }

    /** A folder entry with its own attributes, whether it is a file the walk takes, and its place in the order. */
    private record Entry(Path path, BasicFileAttributes own, boolean file, String order) {
        static Entry of(Path p, BasicFileAttributes own) {
            String name = p.getFileName().toString();
            if (own.isDirectory()) {
                return new Entry(p, own, false, name + "/");
            }
            BasicFileAttributes target = own.isSymbolicLink() ? followed(p) : own;
            boolean file = !name.startsWith(".") && target != null && target.isRegularFile();
            String order = file ? name + "|" + target.size() + "|" + target.lastModifiedTime().toMillis() : name;
            return new Entry(p, own, file, order);
        }

        /** What a link points at, or null for a broken one. */
        private static BasicFileAttributes followed(Path link) {
            try {
                return Files.readAttributes(link, BasicFileAttributes.class);
            } catch (IOException e) {
                return null;
            }
        }
    }
}
