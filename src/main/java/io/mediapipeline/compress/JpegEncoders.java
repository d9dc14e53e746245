package io.mediapipeline.compress;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.LoggingLevel;
import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.ExecResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JPEG encoders of pipeline.compress.image.encoder: which one can run on this machine (resolved once; a
 * missing libjpeg-turbo tool falls back to ffmpeg with one warning) and the commands of each.
 */
final class JpegEncoders {

    private static final Logger LOG = LoggerFactory.getLogger(JpegEncoders.class);
    private static final Pattern TURBO = Pattern.compile("libjpeg-turbo version (\\S+)");

    /** The values of pipeline.compress.image.encoder that can run (auto resolves to one of them). */
    enum Kind {
        FFMPEG,
        /** djpeg decodes to PPM, cjpeg encodes that. */
        CJPEG,
        /** ffmpeg's mjpeg, then jpegtran re-codes the entropy layer. */
        FFMPEG_JPEGTRAN
    }

    /** An encoder and what media_files.codec says about it. */
    record Encoder(Kind kind, String codec) {
    }

    /**
     * The commands of one photo: a first tool, and for the two-tool encoders a second one that turns the
     * intermediate scratch file into the output.
     *
     * @param intermediateBytes free space the intermediate file needs besides the output
     */
    record Commands(Tool first, List<String> firstArgs, long intermediateBytes, Tool second, List<String> secondArgs) {
    }

    private final CompressConfig cfg;
    private final ChildProcessExecutor executor;
    private Encoder resolved;

    JpegEncoders(CompressConfig cfg, ChildProcessExecutor executor) {
        this.cfg = cfg;
        this.executor = executor;
    }

    /** Resolved on the first JPEG: which of the configured tools can run. */
    synchronized Encoder encoder() {
        if (resolved != null) {
            return resolved;
        }
        String want = cfg.jpegEncoder();
        Encoder plain = new Encoder(Kind.FFMPEG, "mjpeg (ffmpeg)");
        if (want.equals("ffmpeg")) {
            resolved = plain;
        } else if (want.equals("cjpeg")) {
            String v = libjpegVersion(cfg.cjpeg());
            if (v != null && libjpegVersion(cfg.djpeg()) != null) {
                resolved = new Encoder(Kind.CJPEG, v + " cjpeg");
            } else {
                LOG.warn("pipeline.compress.image.encoder=cjpeg, but '{}' or '{}' (pipeline.tools.cjpeg, pipeline.tools.djpeg) "
                        + "cannot be run (Debian: libjpeg-turbo-progs); JPEGs are encoded by ffmpeg's mjpeg instead",
                        cfg.cjpeg(), cfg.djpeg());
                resolved = plain;
            }
        } else {
            String v = libjpegVersion(cfg.jpegtran());
            if (v != null) {
                resolved = new Encoder(Kind.FFMPEG_JPEGTRAN, "mjpeg (ffmpeg) + " + v + " jpegtran");
            } else {
                LOG.warn("pipeline.compress.image.encoder={}, but '{}' (pipeline.tools.jpegtran) cannot be run "
                        + "(Debian: libjpeg-turbo-progs); JPEGs are encoded by ffmpeg's mjpeg alone", want, cfg.jpegtran());
                resolved = plain;
            }
        }
        LOG.info("JPEG photos are encoded with {} (pipeline.compress.image.encoder={})", resolved.codec(), want);
        return resolved;
    }

    /** The extension of the encoder's intermediate scratch file, or null for a one-tool encoder. */
    static String intermediateExtension(Encoder e) {
        return switch (e.kind()) {
            case CJPEG -> "pnm";
            case FFMPEG_JPEGTRAN -> "mjpeg.jpg";
            case FFMPEG -> null;
        };
    }

    /**
     * The commands of one photo; pure, so the plan can be tested without the tools.
     *
     * @param pixels width x height of the photo (sizes cjpeg's intermediate PPM; 0 when unknown)
     */
    static Commands commands(CompressConfig cfg, Encoder e, Path original, long originalSize, long pixels, Path out,
                             Path intermediate) {
        List<String> mjpeg = new ArrayList<>(List.of("-nostdin", "-nostats", "-loglevel", "error", "-y", "-noautorotate",
                "-i", EncodePlanner.abs(original), "-frames:v", "1", "-c:v", "mjpeg", "-q:v",
                String.valueOf(qscale(cfg.jpegQuality())), "-pix_fmt", "yuvj420p", "-f", "image2", "-update", "1"));
        return switch (e.kind()) {
            // cjpeg 2.1.5 reads BMP, GIF, PPM/PGM and Targa, not JPEG: djpeg decodes to PPM (PGM if grey) first
            case CJPEG -> new Commands(Tool.DJPEG, List.of("-pnm", "-outfile", EncodePlanner.abs(intermediate),
                    EncodePlanner.abs(original)), 3 * pixels, Tool.CJPEG, List.of("-quality",
                    String.valueOf(cfg.jpegQuality()), "-optimize", "-progressive", "-outfile", EncodePlanner.abs(out),
                    EncodePlanner.abs(intermediate)));
            // jpegtran re-codes the entropy layer only (progressive, optimal Huffman): the pixels stay ffmpeg's
            case FFMPEG_JPEGTRAN -> {
                mjpeg.add(EncodePlanner.abs(intermediate));
                yield new Commands(Tool.FFMPEG, mjpeg, originalSize, Tool.JPEGTRAN, List.of("-optimize", "-progressive",
                        "-copy", "none", "-outfile", EncodePlanner.abs(out), EncodePlanner.abs(intermediate)));
            }
            case FFMPEG -> {
                mjpeg.add(EncodePlanner.abs(out));
                yield new Commands(Tool.FFMPEG, mjpeg, 0, null, null);
            }
        };
    }

    /** ffmpeg's mjpeg scale (2 best .. 31 worst) for a 1-100 JPEG quality: 85 -> 4, 95 -> 2, 50 -> 11. */
    static int qscale(int quality) {
        return Math.max(2, Math.min(31, Math.round((100 - quality) / 5f) + 1));
    }

    /** "libjpeg-turbo 2.1.5" from a libjpeg tool's -version, "libjpeg" for another build, null if it cannot run. */
    private String libjpegVersion(String tool) {
        ExecCommand cmd = new ExecCommand(tool, List.of("-version"), null, Duration.ofSeconds(30).toMillis(), Set.of(0),
                null, null, false, LoggingLevel.DEBUG);
        try {
            ExecResult r = executor.execute(cmd);
            String text = new String(r.getStderr().readAllBytes(), StandardCharsets.UTF_8)
                    + new String(r.getStdout().readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = TURBO.matcher(text);
            return m.find() ? "libjpeg-turbo " + m.group(1) : "libjpeg";
        } catch (IOException | RuntimeException e) {
            LOG.debug("{} -version: {}", tool, e.getMessage());
            return null;
        }
    }
}
