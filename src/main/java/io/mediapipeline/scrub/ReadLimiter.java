package io.mediapipeline.scrub;

import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;

/**
 * A token bucket on bytes read: at most {@code bytesPerSecond} on average, with a burst of one second's worth. A
 * read that overdraws the bucket waits until the debt is paid, so the bound holds over any run longer than a second.
 */
final class ReadLimiter {

    private final long bytesPerSecond;
    private double tokens;
    private long last = System.nanoTime();

    /** @param bytesPerSecond 0 or less: no cap */
    ReadLimiter(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
        this.tokens = Math.max(0, bytesPerSecond);
    }

    static ReadLimiter unlimited() {
        return new ReadLimiter(0);
    }

    synchronized void acquire(long bytes) throws InterruptedIOException {
        if (bytesPerSecond <= 0) {
            return;
        }
        long now = System.nanoTime();
        tokens = Math.min(bytesPerSecond, tokens + (now - last) * (double) bytesPerSecond / 1e9);
        last = now;
        tokens -= bytes;
        if (tokens < 0) {
            long waitNanos = (long) (-tokens * 1e9 / bytesPerSecond);
            try {
                TimeUnit.NANOSECONDS.sleep(waitNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("scrub read interrupted");
            }
        }
    }
}
