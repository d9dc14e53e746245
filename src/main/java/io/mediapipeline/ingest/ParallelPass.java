package io.mediapipeline.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The CPU- and read-bound part of a batch (hash, probe, fingerprint) on a fixed number of threads
 * (pipeline.ingest.parallelism, by default the cores), shared by every batch so two sources together never run more.
 * The threads are daemons: an idle pass never keeps the JVM alive; {@link #close} ends them when their owner stops.
 */
final class ParallelPass implements AutoCloseable {

    private final ExecutorService pool;

    ParallelPass(int parallelism) {
        this(parallelism, "ingest-pass");
    }

    /** Threads named {@code name-N}, so a thread dump tells the examining pass from the placing one. */
    ParallelPass(int parallelism, String name) {
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(parallelism, r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs the work for every element, in parallel, and returns when all are done; work must not throw. Interrupted,
     * it cancels (and interrupts) what has not finished, so no work goes on for a batch its caller gave up.
     */
    <T> void each(List<T> elements, Consumer<T> work) {
        if (elements.size() == 1) {
            work.accept(elements.get(0)); // nothing to share: no hand-over between threads
            return;
        }
        List<Future<?>> running = new ArrayList<>(elements.size());
        try {
            for (T e : elements) {
                running.add(pool.submit(() -> work.accept(e)));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } catch (InterruptedException e) {
            running.forEach(r -> r.cancel(true));
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the batch was examined", e);
        } catch (ExecutionException e) {
            running.forEach(r -> r.cancel(true));
            throw new IllegalStateException("examining a file failed: " + e.getCause(), e.getCause());
        } catch (CancellationException | RejectedExecutionException e) {
            // closed under the batch (the stage stops): the whole batch fails and is taken again
            running.forEach(r -> r.cancel(true));
            throw new IllegalStateException("the batch's threads were stopped", e);
        }
    }

    /** Ends the threads: running work is interrupted, nothing new is taken. */
    @Override
    public void close() {
        // work never started is cancelled, so a batch waiting for it fails instead of waiting for ever
        for (Runnable queued : pool.shutdownNow()) {
            if (queued instanceof Future<?> f) {
                f.cancel(true);
            }
        }
    }
}
