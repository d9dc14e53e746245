package io.mediapipeline.status;

import io.mediapipeline.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The status settings ({@code pipeline.status.*}) and what the status needs to know of the others: which stages are
 * on (a stage that is off has no queue), the data directory (where the iCloud download hands files over), and the
 * scrub's cycle (a file read within it counts as scrubbed).
 *
 * @param enabled  per stage (route group): whether it runs; "icloud": whether iCloud accounts are in use
 */
public record StatusConfig(Duration refresh, int signInWarnDays, Duration phoneOffline, long progressMinFiles,
                           Duration progressWindow, Duration progressLog, Path home, int scrubCycleDays,
                           Map<String, Boolean> enabled) {

    /** The route groups in pipeline order: each is one line of the status. */
    public static final java.util.List<String> STAGES = java.util.List.of("sources", "ingest", "organize", "compress",
            "pixel", "icloud-upload", "verify", "cleanup", "scrub");

    public StatusConfig {
        enabled = Map.copyOf(enabled);
    }

    public static StatusConfig from(Settings s) {
        Map<String, Boolean> on = new LinkedHashMap<>();
        on.put("sources", true);
        on.put("ingest", true);
        on.put("organize", s.bool("pipeline.organize.enabled"));
        on.put("compress", s.bool("pipeline.compress.enabled"));
        on.put("pixel", s.bool("pipeline.target.pixel.enabled"));
        on.put("icloud-upload", s.bool("pipeline.target.icloud.enabled"));
        on.put("verify", s.bool("pipeline.verify.enabled"));
        on.put("cleanup", s.bool("pipeline.cleanup.enabled"));
        on.put("scrub", s.bool("pipeline.scrub.enabled"));
        // not a stage of its own: iCloud accounts matter (sign-in) while either the download or the upload is on
        on.put("icloud", s.bool("pipeline.source.icloud.enabled") || s.bool("pipeline.target.icloud.enabled"));
        return new StatusConfig(Duration.ofSeconds(s.positive("pipeline.status.refresh-seconds")),
                s.nonNegative("pipeline.status.sign-in-warn-days"),
                Duration.ofHours(s.positive("pipeline.status.phone-offline-hours")),
                s.positive("pipeline.status.progress-min-files"),
                Duration.ofMinutes(s.positive("pipeline.status.progress-window-minutes")),
                Duration.ofMinutes(s.nonNegative("pipeline.status.progress-log-minutes")),
                s.home(), s.positive("pipeline.scrub.cycle-days"), on);
    }

    public boolean on(String stage) {
        return enabled.getOrDefault(stage, false);
    }
}
