package io.mediapipeline.scrub;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The pipeline.scrub.* settings, checked once (each message names its key), checked even with the scrub off so that
 * switching it on later cannot meet a bad value first.
 *
 * @param maxBytesPerSecond read-rate cap over every byte the scrub reads; 0 = no cap
 * @param linkArchive       the archive copy in sorted/ is a hard link of the original (pipeline.organize.mode), so
 *                          a lost one is linked again rather than copied
 */
public record ScrubConfig(boolean enabled, String schedule, int cycleDays, long maxBytesPerSecond, boolean restore,
                          boolean linkArchive, Path home) {

    private static final String P = "pipeline.scrub.";

    public static ScrubConfig from(Settings s) {
        boolean enabled = s.bool(P + "enabled");
        String schedule = s.get(P + "schedule").trim();
        if (schedule.split("\\s+").length < 6) {
            throw new ConfigException(P + "schedule: expected a Quartz cron expression (seconds minutes hours"
                    + " day-of-month month day-of-week), got '" + schedule + "'");
        }
        int cycleDays = s.positive(P + "cycle-days");
        int mbPerSecond = s.nonNegative(P + "max-mb-per-second");
        boolean restore = s.bool(P + "restore");
        boolean link = s.oneOf("pipeline.organize.mode", "hardlink", "copy").equals("hardlink");
        return new ScrubConfig(enabled, schedule, cycleDays, mbPerSecond * (1L << 20), restore, link, s.home());
    }

    public Duration cycle() {
        return Duration.ofDays(cycleDays);
    }
}
