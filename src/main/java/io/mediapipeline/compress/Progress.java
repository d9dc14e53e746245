package io.mediapipeline.compress;

import io.mediapipeline.status.Wording;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this compress run has done, at most every pipeline.compress.progress-seconds: files decided and the space
 * that saved. What is left and how long it takes is the status's progress line for every stage
 * ({@code compress: 1,234 files left, 12.5 files/min, about 1 h 39 min left}), so it is not said twice here.
 */
final class Progress {

    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

    private final long intervalNanos;
    private long lastLog = System.nanoTime();
    private int decided;
    private long saved;

    /** @param interval 0 logs after every decision */
    Progress(Duration interval) {
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
        LOG.info("Compress progress: {} decided this run, {} saved", Wording.count(decided, "file"), Wording.bytes(saved));
    }
}
