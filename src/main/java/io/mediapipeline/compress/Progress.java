package io.mediapipeline.compress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A progress line for long compress work (a first run over a library takes hours to days): at most every
 * pipeline.compress.progress-seconds, how many files this run decided, what that saved, how many are in
 * work/compress/ and roughly how long they take at this run's pace.
 */
final class Progress {

    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

    private final Path queue;
    private final long intervalNanos;
    private final long started = System.nanoTime();
    private long lastLog = started;
    private int decided;
    private long saved;

    /** @param interval 0 logs after every decision */
    Progress(Path queue, Duration interval) {
        this.queue = queue;
        this.intervalNanos = interval.toNanos();
    }

    synchronized void decided(long bytesSaved) {
        decided++;
        saved += Math.max(0, bytesSaved);
        long now = System.nanoTime();
        if (now - lastLog < intervalNanos) {
            return;
        }
        lastLog = now;
        long waiting = waiting();
        double perFile = (now - started) / 1e9 / decided;
        // the queue still holds the files being worked on (a queue file goes once its decision is recorded)
        LOG.info("Compress progress: {} file(s) decided this run ({} saved), {} in the queue incl. those in progress{}",
                decided, bytes(saved), waiting,
                waiting == 0 ? "" : "; about " + duration(Math.round(waiting * perFile)) + " left at this run's pace");
    }

    private long waiting() {
        try (var files = Files.list(queue)) {
            return files.filter(p -> !p.getFileName().toString().startsWith(".")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    static String bytes(long n) {
        if (n >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", n / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%.1f MiB", n / (double) (1L << 20));
    }

    static String duration(long seconds) {
        if (seconds >= 3600) {
            return String.format(Locale.ROOT, "%d h %02d min", seconds / 3600, seconds % 3600 / 60);
        }
        return seconds >= 60 ? (seconds / 60) + " min" : seconds + " s";
    }
}
