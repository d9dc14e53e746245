package io.mediapipeline.status;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Files done per minute over a sliding window of samples of a running total ("done so far"), and the time left for
 * a backlog at that pace. Used for each stage's backlog and by `backfill`. Thread-safe.
 */
public final class Rate {

    private record Sample(Instant at, long done) {
    }

    private final Duration window;
    private final Deque<Sample> samples = new ArrayDeque<>();

    public Rate(Duration window) {
        this.window = window;
    }

    /** A reading of the running total; a total that went down (counts reset) starts the window again. */
    public synchronized void add(Instant at, long done) {
        Sample last = samples.peekLast();
        if (last != null && (done < last.done() || at.isBefore(last.at()))) {
            samples.clear();
        }
        samples.addLast(new Sample(at, done));
        // keep one sample at or before the window's start, so the window is covered in full
        while (samples.size() > 2) {
            var it = samples.iterator();
            it.next();
            if (it.next().at().isAfter(at.minus(window))) {
                break;
            }
            samples.removeFirst();
        }
    }

    /** Files per minute over the window; empty until two readings at least a second apart exist. */
    public synchronized Optional<Double> perMinute() {
        if (samples.size() < 2) {
            return Optional.empty();
        }
        Sample first = samples.peekFirst();
        Sample last = samples.peekLast();
        long millis = Duration.between(first.at(), last.at()).toMillis();
        if (millis < 1000) {
            return Optional.empty();
        }
        return Optional.of((last.done() - first.done()) * 60_000.0 / millis);
    }

    /** The backlog of {@code left} files at the current pace (no time left while nothing moves or no rate yet). */
    public Progress progress(long left) {
        double perMinute = perMinute().orElse(0.0);
        Optional<Duration> timeLeft = perMinute > 0
                ? Optional.of(Duration.ofSeconds(Math.max(0, Math.round(left * 60.0 / perMinute))))
                : Optional.empty();
        return new Progress(left, perMinute, timeLeft);
    }
}
