package io.mediapipeline.similar;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;

/**
 * Near-duplicate detection (pipeline.dedupe.near.*): whether perceptual hashes are made and compared, and how many
 * of the 64 bits (63 of them carry the picture, see PerceptualHash) two items may differ in to be called
 * near-duplicates.
 */
public record NearConfig(boolean enabled, int maxDistance) {

    public static NearConfig from(Settings s) {
        int max = s.integer("pipeline.dedupe.near.max-distance");
        if (max < 0 || max > 32) {
            throw new ConfigException("pipeline.dedupe.near.max-distance: must be 0..32 bits (got " + max + ")");
        }
        return new NearConfig(s.bool("pipeline.dedupe.near.enabled"), max);
    }
}
