package io.mediapipeline.icloud.removal;

import io.mediapipeline.config.Settings;
import java.time.Duration;

/**
 * The pipeline.target.icloud.removal.* settings, checked once: each message names its key.
 *
 * @param enabled    while false, {@link Removal#remove} refuses every plan
 * @param dryRun     plans are recorded as a listing and nothing in iCloud is changed
 * @param dateWindow how far the original's asset date may lie from the file's capture time, either side
 */
public record RemovalConfig(boolean enabled, boolean dryRun, Duration dateWindow) {

    private static final String P = "pipeline.target.icloud.removal.";

    public static RemovalConfig from(Settings s) {
        return new RemovalConfig(s.bool(P + "enabled"), s.bool(P + "dry-run"),
                Duration.ofHours(s.positive(P + "date-window-hours")));
    }
}
