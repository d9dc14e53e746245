package io.mediapipeline.verify;

import io.mediapipeline.config.Settings;
import java.time.Duration;

/**
 * The pipeline.verify.* settings, checked once (each message names its key), and whether compression is on: while
 * it is, a file is verified only once compression has decided on it, so its compressed copy is part of the proof.
 */
public record VerifyConfig(boolean enabled, int pollSeconds, int batchSize, Duration recheck, boolean compressOn) {

    static final String P = "pipeline.verify.";

    public static VerifyConfig from(Settings s) {
        return new VerifyConfig(s.bool(P + "enabled"), s.positive(P + "poll-seconds"), s.positive(P + "batch-size"),
                Duration.ofMinutes(s.positive(P + "recheck-minutes")), s.bool("pipeline.compress.enabled"));
    }
}
