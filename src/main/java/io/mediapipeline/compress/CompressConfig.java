package io.mediapipeline.compress;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** The pipeline.compress.* settings, checked once (each message names its key). */
public record CompressConfig(
        int parallelism,
        int maxFiles,
        long maxBytes,
        Duration maxTime,
        Duration timeout,
        Duration progressInterval,
        int minSavingPercent,
        String videoCodec,
        int crf,
        int retryCrfStep,
        int minCrf,
        String preset,
        List<Tier> tiers,
        int audioKbps,
        int skipHevcBelowKbps,
        double videoMinSsim,
        int jpegQuality,
        double imageMinSsim,
        boolean heicToJpeg,
        int maxFailures,
        String requeueSchedule,
        String ffmpeg,
        String ffprobe,
        String exiftool,
        String heifConvert,
        String jpegEncoder,
        String cjpeg,
        String djpeg,
        String jpegtran) {

    /** pipeline.compress.image.encoder values. */
    static final List<String> JPEG_ENCODERS = List.of("auto", "ffmpeg+jpegtran", "cjpeg", "ffmpeg");

    /** Files captured at least {@code years} ago are encoded with the short side at most {@code shortSide}. */
    public record Tier(int years, int shortSide) {
    }

    static final List<String> PRESETS = List.of("ultrafast", "superfast", "veryfast", "faster", "fast", "medium",
            "slow", "slower", "veryslow");

    public static CompressConfig from(Settings s) {
        s.bool("pipeline.compress.enabled"); // read by the route's autoStartup: checked here like every other key
        int cores = Runtime.getRuntime().availableProcessors();
        int parallelism = s.nonNegative("pipeline.compress.parallelism");
        String codec = s.get("pipeline.compress.video.codec");
        if (!codec.equals("libx265") && !codec.equals("libx264")) {
            throw new ConfigException("pipeline.compress.video.codec: expected libx265 or libx264, got '" + codec + "'");
        }
        int crf = s.integer("pipeline.compress.video.crf");
        if (crf < 0 || crf > 51) {
            throw new ConfigException("pipeline.compress.video.crf: must be between 0 and 51, got " + crf);
        }
        int step = s.nonNegative("pipeline.compress.video.retry-crf-step");
        int minCrf = s.integer("pipeline.compress.video.min-crf");
        if (minCrf < 0 || minCrf > 51) {
            throw new ConfigException("pipeline.compress.video.min-crf: must be between 0 and 51, got " + minCrf);
        }
        String schedule = s.get("pipeline.compress.requeue-schedule").strip();
        if (!org.quartz.CronExpression.isValidExpression(schedule)) {
            throw new ConfigException("pipeline.compress.requeue-schedule: '" + schedule
                    + "' is not a valid Quartz cron expression (sec min hour day month weekday), e.g. 0 30 4 * * ?");
        }
        String preset = s.get("pipeline.compress.video.preset");
        if (!PRESETS.contains(preset)) {
            throw new ConfigException("pipeline.compress.video.preset: expected one of " + String.join(", ", PRESETS)
                    + ", got '" + preset + "'");
        }
        int quality = s.integer("pipeline.compress.image.quality");
        if (quality < 1 || quality > 100) {
            throw new ConfigException("pipeline.compress.image.quality: must be between 1 and 100, got " + quality);
        }
        int saving = s.nonNegative("pipeline.compress.min-saving-percent");
        if (saving >= 100) {
            throw new ConfigException("pipeline.compress.min-saving-percent: must be below 100, got " + saving);
        }
        String heic = s.get("pipeline.compress.image.heic");
        if (!heic.equals("keep") && !heic.equals("jpeg")) {
            throw new ConfigException("pipeline.compress.image.heic: expected keep or jpeg, got '" + heic + "'");
        }
        String encoder = s.get("pipeline.compress.image.encoder");
        if (!JPEG_ENCODERS.contains(encoder)) {
            throw new ConfigException("pipeline.compress.image.encoder: expected one of " + String.join(", ", JPEG_ENCODERS)
                    + ", got '" + encoder + "'");
        }
        int timeout = s.integer("pipeline.compress.timeout-seconds");
        if (timeout <= 0) {
            throw new ConfigException("pipeline.compress.timeout-seconds: must be greater than 0, got " + timeout);
        }
        return new CompressConfig(
                parallelism == 0 ? cores : parallelism,
                s.nonNegative("pipeline.compress.max-files-per-run"),
                s.nonNegative("pipeline.compress.max-mb-per-run") * 1024L * 1024L,
                Duration.ofMinutes(s.nonNegative("pipeline.compress.max-minutes-per-run")),
                Duration.ofSeconds(timeout),
                Duration.ofSeconds(s.nonNegative("pipeline.compress.progress-seconds")),
                saving,
                codec, crf, step, minCrf, preset,
                tiers(s.get("pipeline.compress.video.tiers")),
                s.positive("pipeline.compress.video.audio-kbps"),
                s.nonNegative("pipeline.compress.video.skip-hevc-below-kbps"),
                ssim(s, "pipeline.compress.video.min-ssim"),
                quality,
                ssim(s, "pipeline.compress.image.min-ssim"),
                heic.equals("jpeg"),
                s.positive("pipeline.compress.max-failures"),
                schedule,
                s.get("pipeline.tools.ffmpeg"),
                s.get("pipeline.tools.ffprobe"),
                s.get("pipeline.tools.exiftool"),
                "heif-convert",
                encoder,
                s.get("pipeline.tools.cjpeg"),
                s.get("pipeline.tools.djpeg"),
                s.get("pipeline.tools.jpegtran"));
    }

    /**
     * The CRFs a video is encoded at, in order, while only the SSIM gate refuses: crf, crf - step, ... down to
     * min-crf (just crf when the step is 0 or min-crf is not below crf).
     */
    public List<Integer> crfLadder() {
        List<Integer> out = new ArrayList<>(List.of(crf));
        for (int c = crf - retryCrfStep; retryCrfStep > 0 && c >= minCrf; c -= retryCrfStep) {
            out.add(c);
        }
        return List.copyOf(out);
    }

    /** "0:2160,1:1080,2:720,3:480" -> tiers sorted by age. */
    static List<Tier> tiers(String value) {
        String key = "pipeline.compress.video.tiers";
        List<Tier> out = new ArrayList<>();
        for (String part : value.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String[] kv = part.strip().split(":");
            try {
                if (kv.length != 2) {
                    throw new NumberFormatException();
                }
                Tier t = new Tier(Integer.parseInt(kv[0].strip()), Integer.parseInt(kv[1].strip().toLowerCase(Locale.ROOT)
                        .replace("p", "")));
                if (t.years() < 0 || t.shortSide() < 16) {
                    throw new NumberFormatException();
                }
                out.add(t);
            } catch (NumberFormatException e) {
                throw new ConfigException(key + ": expected entries like 1:1080 (years:short side), got '" + part.strip() + "'");
            }
        }
        if (out.isEmpty() || out.stream().noneMatch(t -> t.years() == 0)) {
            throw new ConfigException(key + ": needs an entry for age 0 (e.g. 0:2160), got '" + value + "'");
        }
        out.sort(Comparator.comparingInt(Tier::years));
        return List.copyOf(out);
    }

    private static double ssim(Settings s, String key) {
        try {
            double v = Double.parseDouble(s.get(key));
            if (v < 0 || v > 1) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ConfigException(key + ": expected a number between 0 and 1, got '" + s.get(key) + "'");
        }
    }
}
