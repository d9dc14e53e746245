package io.mediapipeline.compress;

import io.mediapipeline.media.FfprobeResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The ffmpeg command of a video encode, built in three parts so the CRF ladder can swap the middle one: the input
 * (maps and the tier's scale), the codec at a CRF, and the output (audio, metadata, container).
 */
final class VideoEncode {

    private VideoEncode() {
    }

    /** What the encode needs to know of the source, from ffprobe. */
    record Source(String videoCodec, int width, int height, double kbps, String audioCodec, double audioKbps) {

        static Source of(FfprobeResult probe, long fileSize) {
            FfprobeResult.Stream video = probe.videoStream().orElse(null);
            FfprobeResult.Stream audio = probe.streams().stream().filter(s -> "audio".equals(s.codecType())).findFirst()
                    .orElse(null);
            double kbps = probe.bitRate() == null ? 0 : probe.bitRate() / 1000.0;
            double seconds = probe.durationSeconds() == null ? 0 : probe.durationSeconds();
            if (kbps == 0 && seconds > 0) {
                kbps = fileSize * 8 / seconds / 1000.0;
            }
            return new Source(video == null ? "" : String.valueOf(video.codecName()),
                    video == null || video.width() == null ? 0 : video.width(),
                    video == null || video.height() == null ? 0 : video.height(), kbps,
                    audio == null ? null : audio.codecName(),
                    audio == null || audio.bitRate() == null ? 0 : audio.bitRate() / 1000.0);
        }

        int shortSide() {
            return Math.min(width, height);
        }
    }

    /**
     * Why the source is left as it is (HEVC at or below pipeline.compress.video.skip-hevc-below-kbps, scaled by its
     * pixel count, and no downscale due), or null when it is worth encoding.
     */
    static String alreadyEfficient(Source s, int target, CompressConfig cfg) {
        double thresholdKbps = cfg.skipHevcBelowKbps() * (s.width() * (double) s.height()) / (1920.0 * 1080.0);
        if (s.videoCodec().equals("hevc") && s.shortSide() <= target && s.kbps() > 0 && s.kbps() <= thresholdKbps) {
            return String.format(Locale.ROOT, "already efficient: HEVC at %d kbit/s, at or below %d kbit/s for %dx%d"
                    + " (pipeline.compress.video.skip-hevc-below-kbps)", Math.round(s.kbps()), Math.round(thresholdKbps),
                    s.width(), s.height());
        }
        return null;
    }

    /** Input, streams and the scale that gives the shorter side the tier's size. */
    static List<String> input(Path original, Source s, int target) {
        List<String> args = new ArrayList<>(List.of("-nostdin", "-nostats", "-loglevel", "error", "-y",
                // rotation stays a tag (the display matrix is copied), so the pixels are scaled as stored
                "-noautorotate", "-i", EncodePlanner.abs(original), "-map", "0:v:0", "-map", "0:a:0?"));
        if (s.shortSide() > target) {
            // -2 keeps the aspect ratio with an even length; never upscaled (target <= short side otherwise)
            args.addAll(List.of("-vf", s.width() >= s.height() ? "scale=-2:" + target : "scale=" + target + ":-2"));
        }
        return List.copyOf(args);
    }

    static List<String> codec(CompressConfig cfg, int crf) {
        if (cfg.videoCodec().equals("libx265")) {
            return List.of("-c:v", "libx265", "-preset", cfg.preset(), "-crf", String.valueOf(crf),
                    "-tag:v", "hvc1", "-x265-params", "log-level=error");
        }
        return List.of("-c:v", "libx264", "-preset", cfg.preset(), "-crf", String.valueOf(crf), "-tag:v", "avc1");
    }

    /** What media_files.codec says of the encode. */
    static String codecName(CompressConfig cfg) {
        return cfg.videoCodec().equals("libx265") ? "hevc (libx265)" : "h264 (libx264)";
    }

    /** Audio (AAC at the set bitrate unless it already is AAC at or below it), metadata, container and file. */
    static List<String> output(Source s, CompressConfig cfg, String contentIdentifier, String container, Path out) {
        List<String> args = new ArrayList<>();
        if (s.audioCodec() == null) {
            args.add("-an");
        } else if (s.audioCodec().equals("aac") && s.audioKbps() > 0 && s.audioKbps() <= cfg.audioKbps() * 1.05) {
            args.addAll(List.of("-c:a", "copy"));
        } else {
            args.addAll(List.of("-c:a", "aac", "-b:a", cfg.audioKbps() + "k"));
        }
        args.addAll(List.of("-map_metadata", "0", "-movflags", "+use_metadata_tags"));
        if (contentIdentifier != null && !contentIdentifier.isBlank()) {
            // exiftool cannot write Keys:ContentIdentifier; ffmpeg can (the Live Photo pairing key)
            args.addAll(List.of("-metadata", "com.apple.quicktime.content.identifier=" + contentIdentifier));
        }
        args.addAll(List.of("-f", container, EncodePlanner.abs(out)));
        return List.copyOf(args);
    }
}
