package io.mediapipeline.ingest;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import java.time.Duration;

/** The ingest step's settings (pipeline.ingest.*), read and checked once. */
public record IngestConfig(int parallelism, int maxAttempts, int stableSeconds, int growingWaitSeconds,
                           boolean fixWrongExtension, int batchSize, int batchWaitMs, int backfillBatchSize) {

    public static IngestConfig from(Settings s) {
        int parallelism = s.positive("pipeline.ingest.parallelism");
        int maxAttempts = s.positive("pipeline.ingest.max-attempts");
        int stable = s.integer("pipeline.ingest.stable-seconds");
        int growingWait = s.integer("pipeline.ingest.growing-wait-seconds");
        boolean fix = s.oneOf("pipeline.ingest.wrong-extension", "fix", "quarantine").equals("fix");
        int batchSize = s.positive("pipeline.ingest.batch-size");
        int batchWait = s.positive("pipeline.ingest.batch-wait-ms");
        if (s.positive("pipeline.ingest.in-flight") < batchSize) {
            throw new ConfigException("pipeline.ingest.in-flight: must be at least pipeline.ingest.batch-size ("
                    + batchSize + "), got " + s.get("pipeline.ingest.in-flight"));
        }
        int backfillBatch = s.positive("pipeline.ingest.backfill-batch-size");
        if (growingWait < stable + 2) {
            throw new ConfigException("pipeline.ingest.growing-wait-seconds: must be at least pipeline.ingest.stable-seconds + 2 ("
                    + (stable + 2) + "), got " + s.get("pipeline.ingest.growing-wait-seconds"));
        }
        return new IngestConfig(parallelism, maxAttempts, stable, growingWait, fix, batchSize, batchWait, backfillBatch);
    }

    /** A file changed more recently than this may still be written to: a source walk leaves it for later. */
    public Duration fresh() {
        return Duration.ofSeconds(stableSeconds + 2L);
    }
}
