package io.mediapipeline.status;

import java.time.Instant;
import java.util.List;

/**
 * Everything the operator sees at a glance.
 *
 * @param at        when it was computed
 * @param stages    each stage in pipeline order (route group: sources, ingest, organize, compress, pixel,
 *                  icloud-upload, verify, cleanup, scrub)
 * @param needsYou  what needs a person now, most urgent first (empty: all is well)
 * @param totals    the library's totals
 */
public record Snapshot(Instant at, List<StageView> stages, List<Attention> needsYou, Totals totals) {

    public Snapshot {
        stages = List.copyOf(stages);
        needsYou = List.copyOf(needsYou);
    }
}
