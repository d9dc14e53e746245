package io.mediapipeline.pixel;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Secrets;
import io.mediapipeline.config.Settings;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The pipeline.target.pixel.* settings, checked once: each message names its key. The caps and timings
 * are checked even with the target off, so switching it on later cannot meet a bad value first.
 */
public record PixelConfig(boolean enabled, Syncthing syncthing, Staging staging, Proof proof, Duration onceWait,
                          Syncthing phone, Motion motion) {

    /** Where a Syncthing answers (the server's, or the phone's own), and its API key (sent only in a header). */
    public record Syncthing(String url, String apiKey) {

        /** The phone's REST address is optional: empty means its folder settings cannot be checked. */
        public boolean configured() {
            return !url.isBlank();
        }
    }

    /**
     * How the stager fills bridge/pixel/&lt;batch&gt;/ (bridge: the server's Syncthing folder, pipeline.home/bridge/pixel):
     * the batch caps, back-pressure and the Live Photo wait.
     */
    public record Staging(Path bridge, int maxFiles, long maxBytes, long maxUnconfirmedBytes, long livePairWaitSeconds) {
    }

    /**
     * How the confirmer looks for proof on the phone, and how long a confirmed file is held (days, a decimal: 0.5 =
     * 12 hours; 0 = no hold).
     */
    public record Proof(String folderId, String deviceId, double holdDays, int filesPerPass, long pollMillis,
                        long maxBackoffMillis) {
    }

    /**
     * Live Photo pairs as one Google Motion Photo (pipeline.target.pixel.motion-photos), and the tools that build it;
     * timeout bounds each tool run.
     */
    public record Motion(boolean enabled, String ffmpeg, String ffprobe, String exiftool, String heifConvert,
                         Duration timeout) {
    }

    private static final String P = "pipeline.target.pixel.";

    public static PixelConfig from(Settings s) {
        int maxFiles = s.positive(P + "batch.max-files");
        int maxMb = s.positive(P + "batch.max-mb");
        int maxUnconfirmedMb = s.positive(P + "max-unconfirmed-mb");
        int pollMs = s.positive(P + "confirm-poll-ms");
        int perPass = s.positive(P + "confirm-files-per-pass");
        int maxBackoffSeconds = s.positive(P + "confirm-max-backoff-seconds");
        double holdDays = days(s, P + "hold-days");
        int onceWaitSeconds = s.nonNegative(P + "once-wait-seconds");
        int livePairWaitSeconds = s.nonNegative(P + "live-pair-wait-seconds");
        boolean enabled = s.bool(P + "enabled");
        String folder = s.get(P + "folder-id");
        String device = s.get(P + "device-id");
        String apiKey = s.get(P + "api-key");
        String url = s.get(P + "syncthing.url");
        String phoneUrl = s.get(P + "phone.url").trim();
        if (!phoneUrl.isEmpty() && !phoneUrl.matches("https?://[^/?#@]+/?")) {
            throw new ConfigException(P + "phone.url: expected http://phone-address:port (or empty), got '"
                    + Secrets.mask(phoneUrl) + "'");
        }
        if (enabled) {
            if (folder.isBlank()) {
                throw new ConfigException(P + "folder-id: must name the Syncthing folder of bridge/pixel");
            }
            if (!device.matches("[A-Z2-7]{7}(-[A-Z2-7]{7}){7}")) {
                throw new ConfigException(P + "device-id: expected the phone's Syncthing device ID"
                        + " (8 groups of 7 letters/digits separated by dashes), got '" + device + "'");
            }
            if (apiKey.isBlank()) {
                throw new ConfigException(P + "api-key: must be set (better: environment variable PIPELINE_TARGET_PIXEL_API_KEY)");
            }
            if (!url.matches("https?://[^/?#@]+/?")) {
                throw new ConfigException(P + "syncthing.url: expected http://host:port, got '" + Secrets.mask(url) + "'");
            }
        }
        return new PixelConfig(enabled, new Syncthing(url, apiKey),
                new Staging(s.home().resolve("bridge").resolve("pixel"), maxFiles, maxMb * (1L << 20), maxUnconfirmedMb * (1L << 20), livePairWaitSeconds),
                new Proof(folder, device, holdDays, perPass, pollMs, maxBackoffSeconds * 1000L),
                Duration.ofSeconds(onceWaitSeconds), new Syncthing(phoneUrl, s.get(P + "phone.api-key")),
                new Motion(s.bool(P + "motion-photos"), s.get("pipeline.tools.ffmpeg"), s.get("pipeline.tools.ffprobe"),
                        s.get("pipeline.tools.exiftool"), "heif-convert",
                        Duration.ofSeconds(s.positive("pipeline.tools.probe-timeout-seconds"))));
    }

    /** Days as a decimal of 0 or more (0.5 = 12 hours). */
    private static double days(Settings s, String key) {
        double v;
        try {
            v = Double.parseDouble(s.get(key).trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key + ": expected a number of days (a decimal such as 7 or 0.5), got '" + s.get(key) + "'");
        }
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new ConfigException(key + ": must be 0 or more days, got " + s.get(key));
        }
        return v;
    }
}
