package io.mediapipeline.cleanup;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import org.quartz.CronExpression;

/**
 * The pipeline.cleanup.* settings, checked once: each message names its key. The retention and the schedule are
 * checked even with cleanup off: the purge empties trash/ whatever cleanup does now.
 *
 * @param home          pipeline.home: every path in local_removals is relative to it
 * @param retention     how long a removed file stays in trash/ (at least a day: trash/ is the way back)
 * @param pixelOn       pipeline.target.pixel.enabled: then an iCloud original goes only with the Pixel's proof
 * @param removalDryRun pipeline.target.icloud.removal.dry-run: the removal of iCloud originals only plans; cleanup
 *                      comes back to the files it listed once this is switched off
 */
public record CleanupConfig(boolean enabled, boolean dryRun, int pollSeconds, boolean bridge, boolean duplicates,
                            Duration retention, String purgeSchedule, Path home, boolean pixelOn, boolean removalDryRun) {

    static final String P = "pipeline.cleanup.";

    /** Whether asking for an iCloud original only plans (cleanup's dry run or the removal's own). */
    boolean originalDryRun() {
        return dryRun || removalDryRun;
    }

    public static CleanupConfig from(Settings s) {
        int poll = s.positive(P + "poll-seconds");
        int days = s.integer(P + "trash-retention-days");
        if (days < 1) {
            // a removal is undone from trash/; without a day's grace a wrong removal could not be taken back
            throw new ConfigException(P + "trash-retention-days: must be 1 or more (days a removed file stays in trash/),"
                    + " got " + s.get(P + "trash-retention-days"));
        }
        String schedule = s.get(P + "purge-schedule").strip();
        if (!CronExpression.isValidExpression(schedule)) {
            throw new ConfigException(P + "purge-schedule: expected a Quartz cron expression such as '0 0 5 * * ?',"
                    + " got '" + schedule + "'");
        }
        return new CleanupConfig(s.bool(P + "enabled"), s.bool(P + "dry-run"), poll, s.bool(P + "bridge"),
                s.bool(P + "duplicates"), Duration.ofDays(days), schedule, s.home(),
                s.bool("pipeline.target.pixel.enabled"), s.bool("pipeline.target.icloud.removal.dry-run"));
    }
}
