package io.mediapipeline.compress;

import java.time.Duration;
import java.time.Instant;

/** This run's caps (pipeline.compress.max-files-per-run, max-mb-per-run, max-minutes-per-run). */
final class RunCaps {

    private final CompressConfig cfg;
    private final Instant started;
    private int files;
    private long bytes;

    RunCaps(CompressConfig cfg, Instant started) {
        this.cfg = cfg;
        this.started = started;
    }

    /** Counts one encode of {@code size} bytes against the caps; false (nothing counted) when a cap is reached. */
    synchronized boolean reserve(long size, Instant now) {
        if (cfg.maxFiles() > 0 && files >= cfg.maxFiles()) return false;
        if (cfg.maxBytes() > 0 && bytes >= cfg.maxBytes()) return false;
        if (!cfg.maxTime().isZero() && Duration.between(started, now).compareTo(cfg.maxTime()) > 0) return false;
        files++;
        bytes += size;
        return true;
    }
}
