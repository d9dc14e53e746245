package io.mediapipeline.icloud;

import java.util.Locale;

/** What one icloudpd run came to, read from its log lines (its exit code is 0 for most failures). */
public enum Outcome {
    SUCCESS("info"),
    PARTIAL("warn"),
    AUTH_NEEDED("error"),
    THROTTLED("warn"),
    BAD_ARGUMENTS("error"),
    FAILED("error"),
    STOPPED("info"),
    /** Ended without proof of success or of a known failure (no end-of-run line): retried like FAILED. */
    UNKNOWN("warn");

    private final String level;

    Outcome(String level) {
        this.level = level;
    }

    /** The pipeline_logs level. */
    public String level() {
        return level;
    }

    /** As stored in icloud_attempts.outcome and shown to the operator. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
