package io.mediapipeline.compress;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.component.exec.ExecResult;

/**
 * The SSIM measurement of the compress gate: ffmpeg's ssim filter over every frame, the original scaled (area) to
 * the output's size. The value is the filter's own all-frames summary, which it prints last on stderr: the mean of
 * the per-frame "All" values, whatever the length of the video (no per-frame output is kept, so none can be cut).
 */
public final class SsimMeasure {

    /** What the value covers, as the recorded reason says it. */
    public static final String SCOPE = "all frames";

    /** {@code [Parsed_ssim_3 @ 0x…] SSIM Y:0.98 (17.1) U:0.99 (20.2) V:0.99 (20.3) All:0.985 (18.2)}. */
    private static final Pattern SUMMARY = Pattern.compile("SSIM Y:[0-9.]+ .*All:([0-9.]+) \\(");

    private SsimMeasure() {
    }

    /** The SSIM command line. */
    public static List<String> args(String ffmpeg, Path original, Path output) {
        return List.of(ffmpeg, "-nostdin", "-nostats", "-hide_banner", "-loglevel", "info", "-noautorotate",
                "-i", original.toAbsolutePath().toString(), "-noautorotate", "-i", output.toAbsolutePath().toString(),
                "-an", "-lavfi",
                "[0:v][1:v]scale2ref=flags=area[ref][out];[ref]format=yuv420p[a];[out]format=yuv420p[b];[a][b]ssim",
                "-f", "null", "-");
    }

    /** The all-frames SSIM from the finished ffmpeg run. */
    static double read(ExecResult result) throws IOException {
        String stderr = result == null || result.getStderr() == null ? ""
                : new String(result.getStderr().readAllBytes(), StandardCharsets.UTF_8);
        Double ssim = summary(stderr);
        if (ssim == null) {
            throw new IOException("SSIM could not be measured (ffmpeg printed no all-frames SSIM line)");
        }
        return ssim;
    }

    /** The All value of the last summary line, or null. */
    static Double summary(String stderr) {
        Double found = null;
        for (String line : stderr.split("\\R")) {
            Matcher m = SUMMARY.matcher(line);
            if (m.find()) {
                found = Double.parseDouble(m.group(1));
            }
        }
        return found;
    }
}
