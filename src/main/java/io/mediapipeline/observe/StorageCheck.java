package io.mediapipeline.observe;

import io.mediapipeline.flow.GuardConfig;
import io.mediapipeline.flow.StorageGuard;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Readiness checks {@code nas-marker} and {@code free-space}: what the guard looks at, one check per cause, so the
 * health page says which of the two holds the pipeline. Each look is fresh (one stat, one statvfs).
 */
final class StorageCheck extends ReadinessCheck {

    private static final long MIB = 1L << 20;

    enum Cause {
        NAS_MARKER("nas-marker"), FREE_SPACE("free-space");

        final String id;

        Cause(String id) {
            this.id = id;
        }
    }

    private final Cause cause;
    private final StorageGuard guard;

    StorageCheck(Cause cause, StorageGuard guard) {
        super(cause.id);
        this.cause = cause;
        this.guard = guard;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        GuardConfig cfg = guard.config();
        StorageGuard.State state = guard.look();
        if (cause == Cause.NAS_MARKER) {
            if (cfg.marker().isEmpty()) {
                builder.up().detail("marker", "not configured (pipeline.guard.marker)");
            } else if (state.markerPresent()) {
                builder.up().detail("marker", cfg.marker().get().toString());
            } else {
                down(builder, "the NAS marker " + cfg.marker().get() + " is missing (is the NAS mounted?)");
            }
            return;
        }
        long free = state.freeBytes();
        builder.detail("free-mb", free < 0 ? "unknown" : String.valueOf(free / MIB)).detail("min-free-mb", cfg.minFreeMb());
        if (cfg.minFreeMb() == 0) {
            builder.up();
        } else if (free < 0) {
            down(builder, "the free space under " + cfg.home() + " cannot be read");
        } else if (free < cfg.minFreeMb() * MIB) {
            down(builder, "only " + free / MIB + " MiB free under " + cfg.home() + " (pipeline.guard.min-free-mb="
                    + cfg.minFreeMb() + ")");
        } else {
            builder.up();
        }
    }
}
