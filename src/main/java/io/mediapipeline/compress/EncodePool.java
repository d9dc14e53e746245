package io.mediapipeline.compress;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The compress route's worker pool (its {@code threads} step): exactly {@code n} encodes at a time, {@code n} more
 * files waiting, and beyond that the file consumer's thread blocks until a worker is free, so queue files stay on
 * disk instead of piling up in memory.
 *
 * <p>Why not the threads step's own pool: Camel gives a pool with no queue size a direct hand-off queue and runs
 * a rejected task on the caller's thread, so with {@code poolSize: N} a third encode ran on the consumer thread
 * (CompressIT#neverMoreEncodesAtOnceThanTheParallelism saw N + 1). A bounded queue would only move the problem to
 * N + queue size.
 */
public final class EncodePool extends ThreadPoolExecutor {

    public EncodePool(int n) {
        super(n, n, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(n), new Workers(), (task, pool) -> {
            if (pool.isShutdown()) {
                throw new RejectedExecutionException("the compress stage is stopping");
            }
            try {
                pool.getQueue().put(task); // the consumer waits here for a free slot
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RejectedExecutionException("interrupted while waiting for a free encode slot", e);
            }
        });
    }

    /** Daemon threads named compress-1..n, as the log shows them. */
    private static final class Workers implements java.util.concurrent.ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "compress-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }
}
