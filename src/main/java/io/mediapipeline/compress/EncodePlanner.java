package io.mediapipeline.compress;

import io.mediapipeline.media.Extensions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the compress stage does with one original, and the command lines of its encode: no tools run here, so
 * every decision can be tested with a ledger row and a probe result.
 */
final class EncodePlanner {

    /** The plan's outcome. */
    enum Step {
        /** Decided before (at this tier for a video), or failed too often: nothing to do. */
        ALREADY_DONE,
        /** Not worth an encode: the original goes out, for the reason given. */
        SKIP,
        /** Worth an encode, but this run's caps are reached: the file waits for the next run. */
        DEFERRED,
        ENCODE
    }

    /** @param tier the video's target short side (null for photos); reason for ALREADY_DONE and SKIP */
    record Plan(Step step, EncodeMode mode, Integer tier, String reason) {
    }

    /** The video's probe, asked for only when the plan needs it (a file that is done is not probed). */
    interface VideoProbe {
        VideoEncode.Source probe() throws IOException;
    }

    private final CompressConfig cfg;

    EncodePlanner(CompressConfig cfg) {
        this.cfg = cfg;
    }

    Plan plan(CompressLedger.Row row, VideoProbe video, long originalSize, Instant now, RunCaps caps) throws IOException {
        Decision before = Decision.of(row.decision());
        if (before == Decision.FAILED && row.failures() >= cfg.maxFailures()) {
            return new Plan(Step.ALREADY_DONE, null, null, "failed " + row.failures()
                    + " time(s); not retried (pipeline.compress.max-failures)");
        }
        boolean decided = before != null && before != Decision.FAILED;
        String format = row.format() == null ? "" : row.format().toLowerCase(Locale.ROOT);
        if (row.kind().equals("video")) {
            VideoEncode.Source source = video.probe();
            if (source.width() == 0 || source.height() == 0) {
                throw new IOException("no video stream in " + Path.of(row.originalPath()).getFileName());
            }
            int target = Tiers.targetShortSide(cfg.tiers(), row.capturedAt(), now, source.width(), source.height());
            if (decided && row.tier() != null && row.tier() == target) {
                return new Plan(Step.ALREADY_DONE, null, target, "already compressed for " + target + "p");
            }
            String efficient = VideoEncode.alreadyEfficient(source, target, cfg);
            if (efficient != null) {
                return new Plan(Step.SKIP, null, target, efficient);
            }
            return encodeWithin(caps, originalSize, now, EncodeMode.VIDEO, target);
        }
        if (decided) {
            return new Plan(Step.ALREADY_DONE, null, null, "images have no tiers: decided once");
        }
        if (Extensions.isCameraRaw(format)) {
            return new Plan(Step.SKIP, null, null, "camera RAW (" + format + ") kept as original: never transcoded");
        }
        boolean heic = format.equals("heic") || format.equals("heif");
        if (format.equals("jpeg")) {
            return encodeWithin(caps, originalSize, now, EncodeMode.JPEG, null);
        }
        if (heic && cfg.heicToJpeg()) {
            return encodeWithin(caps, originalSize, now, EncodeMode.HEIC, null);
        }
        return new Plan(Step.SKIP, null, null, heic
                ? "HEIC kept as HEIC (already efficient; pipeline.compress.image.heic=jpeg converts)"
                : format + " is passed through (only JPEG photos are recompressed)");
    }

    private static Plan encodeWithin(RunCaps caps, long size, Instant now, EncodeMode mode, Integer tier) {
        return new Plan(caps.reserve(size, now) ? Step.ENCODE : Step.DEFERRED, mode, tier, null);
    }

    /** The container of a video's encode: a .mov stays a QuickTime file, the rest become MP4. */
    static String videoExtension(CompressLedger.Row row) {
        return row.extension().equalsIgnoreCase("mov") ? "mov" : "mp4";
    }

    /** The video encode at {@code rung} of the CRF ladder (the ladder's next rung reuses {@code out}). */
    Encode video(CompressLedger.Row row, Path original, VideoEncode.Source source, int tier, Path out, int rung) {
        int crf = cfg.crfLadder().get(rung);
        String ext = videoExtension(row);
        List<String> args = new ArrayList<>(VideoEncode.input(original, source, tier));
        args.addAll(VideoEncode.codec(cfg, crf));
        args.addAll(VideoEncode.output(source, cfg, row.contentIdentifier(), ext, out));
        return new Encode(EncodeMode.VIDEO, VideoEncode.codecName(cfg), tier, cfg.videoMinSsim(), out, ext,
                Tool.FFMPEG, List.copyOf(args), null, null, null, 0, crf, rung);
    }

    /** A JPEG photo with the resolved encoder; {@code intermediate} is null for a one-tool encoder. */
    Encode jpeg(JpegEncoders.Encoder encoder, Path original, long originalSize, long pixels, Path out, Path intermediate) {
        JpegEncoders.Commands c = JpegEncoders.commands(cfg, encoder, original, originalSize, pixels, out, intermediate);
        return new Encode(EncodeMode.JPEG, encoder.codec(), null, cfg.imageMinSsim(), out, "jpg", c.first(),
                c.firstArgs(), c.second(), c.secondArgs(), intermediate, c.intermediateBytes(), null, 0);
    }

    /** A HEIC photo converted to JPEG by heif-convert. */
    Encode heic(Path original, Path out) {
        return new Encode(EncodeMode.HEIC, "jpeg (heif-convert)", null, cfg.imageMinSsim(), out, "jpg", Tool.HEIF_CONVERT,
                List.of("-q", String.valueOf(cfg.jpegQuality()), abs(original), abs(out)), null, null, null, 0, null, 0);
    }

    /** exiftool's arguments that copy back from the original what the encoder dropped. */
    static List<String> copyMetadata(Encode e, Path original) {
        List<String> args = new ArrayList<>(List.of("-q", "-q", "-overwrite_original", "-charset", "filename=utf8",
                "-api", "LargeFileSupport=1", "-tagsFromFile", abs(original)));
        if (e.mode() == EncodeMode.VIDEO) {
            args.addAll(List.of("-QuickTime:CreateDate", "-QuickTime:ModifyDate", "-Keys:all", "-UserData:all",
                    "-ItemList:all", "-XMP:all"));
        } else {
            // everything, including maker notes, GPS, orientation and the ICC profile
            args.addAll(List.of("-all:all", "-ICC_Profile", "-unsafe"));
            if (e.mode() == EncodeMode.HEIC) {
                // heif-convert applied the rotation to the pixels
                args.add("-Orientation=1");
                args.add("-n");
            }
        }
        args.add(abs(e.out()));
        return List.copyOf(args);
    }

    /** ffmpeg's SSIM arguments (after the executable), or null when the output cannot be measured. */
    List<String> measure(Encode e, Path original) {
        if (e.mode() == EncodeMode.HEIC) {
            return null; // ffmpeg 5.1 cannot decode HEIC
        }
        List<String> cmd = SsimMeasure.args(cfg.ffmpeg(), original, e.out());
        return cmd.subList(1, cmd.size());
    }

    static String abs(Path p) {
        return p.toAbsolutePath().toString();
    }
}
