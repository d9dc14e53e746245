package io.mediapipeline.compress;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The compress gate: an encode is kept only when it is smaller by pipeline.compress.min-saving-percent, its SSIM
 * is at least the mode's threshold and it lost nothing of the capture date, GPS, orientation/rotation, make/model
 * or the Live Photo content identifier. A video refused only for its SSIM is encoded again on the CRF ladder's
 * next rung while there is one. No tools run here.
 */
final class QualityGate {

    enum Verdict {
        /** The encode goes out; the reason says what it saved. */
        ACCEPT,
        /** The original goes out; the reason lists every refusal. */
        REFUSE,
        /** Encode again at the ladder's next rung; the reason is the SSIM refusal. */
        RETRY
    }

    record Judgement(Verdict verdict, String reason) {
    }

    private final CompressConfig cfg;

    QualityGate(CompressConfig cfg) {
        this.cfg = cfg;
    }

    /**
     * @param ssim     null when not measured (HEIC)
     * @param lost     what {@link MetadataDiff#lost} names
     * @param attempts the encodes made for this decision so far, this one included
     */
    Judgement judge(Encode e, long originalSize, long outSize, Double ssim, List<String> lost, int attempts) {
        double saving = 100.0 * (originalSize - outSize) / originalSize;
        List<String> refusals = new ArrayList<>();
        if (saving < cfg.minSavingPercent()) {
            refusals.add(String.format(Locale.ROOT, "only %.1f%% smaller (needs %d%%)", saving, cfg.minSavingPercent()));
        }
        boolean ssimLow = ssim != null && ssim < e.minSsim();
        if (ssimLow) {
            refusals.add(String.format(Locale.ROOT, "SSIM %.4f (%s) below %.2f", ssim, SsimMeasure.SCOPE, e.minSsim())
                    + (e.crf() == null ? "" : " at CRF " + e.crf()));
        }
        List<String> missing = new ArrayList<>(lost);
        if (e.mode() == EncodeMode.HEIC) {
            missing.remove("orientation"); // heif-convert turned the pixels upright; Orientation=1 is then right
        }
        if (!missing.isEmpty()) {
            refusals.add("metadata lost: " + String.join(", ", missing));
        }
        if (refusals.size() == 1 && ssimLow && e.crf() != null && e.rung() + 1 < cfg.crfLadder().size()) {
            return new Judgement(Verdict.RETRY, refusals.get(0));
        }
        if (!refusals.isEmpty()) {
            return new Judgement(Verdict.REFUSE, String.join("; ", refusals));
        }
        return new Judgement(Verdict.ACCEPT, String.format(Locale.ROOT, "%.1f%% smaller%s%s%s", saving,
                ssim == null ? " (SSIM not measured: ffmpeg cannot decode HEIC)"
                        : String.format(Locale.ROOT, ", SSIM %.4f (%s)", ssim, SsimMeasure.SCOPE),
                e.tier() == null ? "" : ", short side " + e.tier() + " px",
                e.crf() == null ? "" : ", CRF " + e.crf() + (attempts > 1 ? " (encode " + attempts + ")" : "")));
    }
}
