package io.mediapipeline.compress;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/** Age tiers: which short side a video gets, from its capture date. */
public final class Tiers {

    private Tiers() {
    }

    /** The tier's short side for a file captured at {@code captured} (undated files get the newest tier). */
    public static int tierFor(List<CompressConfig.Tier> tiers, OffsetDateTime captured, Instant now) {
        int side = tiers.get(0).shortSide();
        if (captured == null) {
            return side;
        }
        OffsetDateTime today = now.atOffset(ZoneOffset.UTC);
        for (CompressConfig.Tier t : tiers) {
            if (!captured.plusYears(t.years()).isAfter(today)) {
                side = t.shortSide();
            }
        }
        return side;
    }

    /** What the encode aims at: the tier, but never more than the source (no upscaling). */
    public static int targetShortSide(List<CompressConfig.Tier> tiers, OffsetDateTime captured, Instant now,
                                      int width, int height) {
        return Math.min(tierFor(tiers, captured, now), Math.min(width, height));
    }
}
