package io.mediapipeline;

import io.mediapipeline.compress.CompressConfig;
import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Secrets;
import io.mediapipeline.config.Settings;
import io.mediapipeline.icloud.IcloudSettings;
import java.util.List;

/**
 * TEMPORARY shim, for the integrator to remove: the checks of the iCloud, compress and Pixel keys as they were
 * in Settings, kept word for word until each of those stages checks its own keys in its Stage.check (then its
 * part here goes, and the iCloud account family moves to the iCloud record).
 */
final class PendingStageChecks {

    /** pipeline.source.icloud.account.NAME.KEY for the accounts listed in pipeline.source.icloud.accounts. */
    static final List<Settings.Family> FAMILIES = List.of(new Settings.Family(IcloudSettings.PREFIX + "accounts",
            IcloudSettings.ACCOUNT_PREFIX, IcloudSettings.ACCOUNT_NAME, IcloudSettings.PER_ACCOUNT));

    private static final List<String> PREFIXES = List.of(IcloudSettings.PREFIX, "pipeline.compress.", "pipeline.target.pixel.");

    private PendingStageChecks() {
    }

    static void check(Settings s) {
        for (String key : s.keys()) {
            if (PREFIXES.stream().noneMatch(key::startsWith)) {
                continue;
            }
            if (key.endsWith(".enabled") || key.endsWith(".recursive") || key.endsWith(".use-mtime")) {
                s.bool(key);
            }
            if (key.endsWith("-seconds") || key.endsWith(".port")
                    || key.endsWith("-size") && !key.startsWith(IcloudSettings.PREFIX)
                    || key.endsWith(".parallelism") || key.endsWith("-days") || key.endsWith("-gb")
                    || key.endsWith("-distance")) {
                s.integer(key);
            }
        }
        pixel(s);
        IcloudSettings.validate(s);
        CompressConfig.from(s); // pipeline.compress.*: each message names its key
    }

    private static void pixel(Settings s) {
        for (String key : List.of("pipeline.target.pixel.batch.max-files", "pipeline.target.pixel.batch.max-mb",
                "pipeline.target.pixel.max-unconfirmed-mb", "pipeline.target.pixel.confirm-poll-ms",
                "pipeline.target.pixel.confirm-files-per-pass", "pipeline.target.pixel.confirm-max-backoff-seconds",
                "pipeline.target.pixel.hold-days")) {
            s.positive(key);
        }
        s.nonNegative("pipeline.target.pixel.once-wait-seconds");
        s.nonNegative("pipeline.target.pixel.live-pair-wait-seconds");
        if (!s.bool("pipeline.target.pixel.enabled")) {
            return;
        }
        if (s.get("pipeline.target.pixel.folder-id").isBlank()) {
            throw new ConfigException("pipeline.target.pixel.folder-id: must name the Syncthing folder of bridge/pixel");
        }
        if (!s.get("pipeline.target.pixel.device-id").matches("[A-Z2-7]{7}(-[A-Z2-7]{7}){7}")) {
            throw new ConfigException("pipeline.target.pixel.device-id: expected the phone's Syncthing device ID"
                    + " (8 groups of 7 letters/digits separated by dashes), got '" + s.get("pipeline.target.pixel.device-id") + "'");
        }
        if (s.get("pipeline.target.pixel.api-key").isBlank()) {
            throw new ConfigException("pipeline.target.pixel.api-key: must be set (better: environment variable"
                    + " PIPELINE_TARGET_PIXEL_API_KEY)");
        }
        String url = s.get("pipeline.target.pixel.syncthing.url");
        if (!url.matches("https?://[^/?#@]+/?")) {
            throw new ConfigException("pipeline.target.pixel.syncthing.url: expected http://host:port, got '" + Secrets.mask(url) + "'");
        }
    }
}
