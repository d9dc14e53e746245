package io.mediapipeline.similar;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiFunction;

/**
 * Which file of a group of near-duplicates to keep, and why: the original over a re-encode. In order: the richer
 * metadata (a capture date from the file's tags rather than its modification time, GPS, camera make or model: what a
 * camera original has and an export, a screenshot or a re-encode loses); then the larger picture (an upscaled copy
 * has more pixels than its original, so pixels only decide between files equally original); then the larger file (for
 * a video, the higher bitrate); then the one captured, and then ingested, first. The reason names the first of these
 * that decided.
 */
final class KeepSuggestion {

    /** What the choice looks at, from the file's ledger row. */
    record Member(UUID id, Integer width, Integer height, long size, Double durationSeconds, String captureSource,
                  OffsetDateTime capturedAt, boolean hasGps, String make, String model, OffsetDateTime createdAt) {

        long pixels() {
            return width == null || height == null ? 0 : (long) width * height;
        }

        List<String> metadata() {
            List<String> has = new ArrayList<>();
            if (captureSource != null && !captureSource.startsWith("File:")) {
                has.add("capture date");
            }
            if (hasGps) {
                has.add("GPS");
            }
            if (make != null || model != null) {
                has.add("camera make/model");
            }
            return has;
        }

        /** Bytes per second for a video (its bitrate), bytes for a photo. */
        double density() {
            return durationSeconds != null && durationSeconds > 0 ? size / durationSeconds : size;
        }

        String dimensions() {
            return width == null || height == null ? "unknown size" : width + "x" + height;
        }
    }

    /** The decision for one member. */
    record Verdict(UUID keeperId, boolean keep, String reason) {
    }

    private record Criterion(Comparator<Member> better, BiFunction<Member, Member, String> why) {
    }

    private static final OffsetDateTime NEVER = OffsetDateTime.MAX;

    private static final List<Criterion> ORDER = List.of(
            new Criterion(Comparator.comparingInt(m -> m.metadata().size()),
                    (a, b) -> "richer metadata (" + String.join(", ", a.metadata()) + " against "
                            + (b.metadata().isEmpty() ? "none" : String.join(", ", b.metadata())) + ")"),
            new Criterion(Comparator.comparingLong(Member::pixels),
                    (a, b) -> "larger picture (" + a.dimensions() + " against " + b.dimensions() + ")"),
            new Criterion(Comparator.comparingDouble(Member::density),
                    (a, b) -> a.durationSeconds() != null
                            ? "higher bitrate (" + kbps(a) + " against " + kbps(b) + " kbit/s)"
                            : "larger file (" + a.size() + " against " + b.size() + " bytes)"),
            new Criterion(Comparator.comparing((Member m) -> m.capturedAt() == null ? NEVER : m.capturedAt()).reversed(),
                    (a, b) -> "captured first"),
            new Criterion(Comparator.comparing((Member m) -> m.createdAt() == null ? NEVER : m.createdAt()).reversed()
                    .thenComparing(Member::id, Comparator.reverseOrder()),
                    (a, b) -> "ingested first"));

    private KeepSuggestion() {
    }

    /** One verdict per member (at least two): the keeper with why it beat the next best, the others with why not. */
    static Map<UUID, Verdict> of(List<Member> group) {
        Comparator<Member> best = ORDER.get(0).better();
        for (int i = 1; i < ORDER.size(); i++) {
            best = best.thenComparing(ORDER.get(i).better());
        }
        List<Member> ranked = new ArrayList<>(group);
        ranked.sort(best.reversed());
        Member keeper = ranked.get(0);
        Map<UUID, Verdict> out = new LinkedHashMap<>();
        out.put(keeper.id(), new Verdict(keeper.id(), true, "keep: " + why(keeper, ranked.get(1))));
        for (Member other : ranked.subList(1, ranked.size())) {
            out.put(other.id(), new Verdict(keeper.id(), false, "not suggested, the kept file wins on " + why(keeper, other)));
        }
        return out;
    }

    /** The first criterion on which a beats b, in words. */
    private static String why(Member a, Member b) {
        for (Criterion c : ORDER) {
            if (c.better().compare(a, b) > 0) {
                return c.why().apply(a, b);
            }
        }
        return "same on every count";
    }

    private static String kbps(Member m) {
        return String.format(Locale.ROOT, "%.0f", m.density() * 8 / 1000);
    }
}
