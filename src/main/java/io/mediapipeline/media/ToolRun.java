package io.mediapipeline.media;

import io.mediapipeline.proc.ChildProcess;
import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short-lived tool (ffprobe, ffmpeg, a one-shot exiftool) without a shell, with stdin from /dev/null and both
 * output streams drained concurrently, so a tool can neither wait for input nor block on a full pipe.
 */
public final class ToolRun {

    /** Outcome of one run; output beyond the capture limits was read and dropped. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    private static final File NO_INPUT = new File("/dev/null");
    private static final int MAX_STDOUT = 32 << 20;
    // a broken video can make ffmpeg print megabytes of decoder errors; only the first lines matter
    private static final int MAX_STDERR = 64 << 10;

    private ToolRun() {
    }

    public static Result run(List<String> command, Duration timeout) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(NO_INPUT));
        Process process;
        try {
            process = ChildProcess.start(builder);
        } catch (IOException e) {
            throw new IOException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
        StreamDrain out = StreamDrain.start(process.getInputStream(), MAX_STDOUT, command.get(0) + "-stdout");
        StreamDrain err = StreamDrain.start(process.getErrorStream(), MAX_STDERR, command.get(0) + "-stderr");
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(command.get(0) + " did not finish within " + timeout.toSeconds() + " s");
            }
            return new Result(process.exitValue(), out.text(), err.text());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while running " + command.get(0));
        }
    }

    /** First non-blank line of a tool's stderr, without ffmpeg's "[demuxer @ 0x...] " prefix and without the path. */
    static String firstLine(String stderr, String path) {
        String text = stderr.replace(path + ": ", "").replace(path, "<file>");
        for (String line : text.split("\\R")) {
            String clean = line.replaceFirst("^\\[[^\\]]* @ 0x[0-9a-fA-F]+\\]\\s*", "").strip();
            if (!clean.isEmpty()) {
                return clean.length() > 200 ? clean.substring(0, 200) + "..." : clean;
            }
        }
        return "";
    }
}
