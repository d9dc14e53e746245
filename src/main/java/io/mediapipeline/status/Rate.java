package io.mediapipeline.status;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
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

    /** One line for the log: {@code compress: 1,234 files left, 12.5 files/min, about 1 h 39 min left}. */
    public static String describe(String what, Progress p) {
        return String.format(Locale.ROOT, "%s: %,d files left, %s", what, p.left(), pace(p));
    }

    /** {@code 12.5 files/min, about 1 h 39 min left}, or that nothing moves. */
    public static String pace(Progress p) {
        if (p.timeLeft().isEmpty()) {
            return "no progress in the last minutes";
        }
        Duration left = p.timeLeft().get();
        return String.format(Locale.ROOT, "%.1f files/min, %s left", p.perMinute(),
                left.toMinutes() < 1 ? "less than a minute" : "about " + duration(left));
    }

    /** "1 h 39 min", "2 d 3 h", "5 min", "less than a minute". */
    public static String duration(Duration d) {
        long minutes = d.toMinutes();
        if (minutes < 1) {
            return "less than a minute";
        }
        if (minutes < 60) {
            return minutes + " min";
        }
        long hours = d.toHours();
        if (hours < 48) {
            long m = minutes % 60;
            return hours + " h" + (m > 0 ? " " + m + " min" : "");
        }
        long h = hours % 24;
        return d.toDays() + " d" + (h > 0 ? " " + h + " h" : "");
    }
}
