package io.mediapipeline.proc;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short-lived tool (ffprobe, ffmpeg, a one-shot exiftool, `id`) through {@link ChildProcess}, without a shell,
 * with stdin from /dev/null and both output streams drained concurrently by {@link StreamDrain}, so a tool can
 * neither wait for input nor block on a full pipe; past its timeout it is killed.
 *
 * <pre>{@code ToolRun.of(List.of("ffprobe", "-version")).mergeStderr().run(Duration.ofSeconds(20))}</pre>
 */
public final class ToolRun {

    /** Outcome of one run; output beyond the capture limits was read and dropped (head and tail kept). */
    public record Result(int exitCode, byte[] stdoutBytes, byte[] stderrBytes) {
        public String stdout() {
            return new String(stdoutBytes, StandardCharsets.UTF_8);
        }

        public String stderr() {
            return new String(stderrBytes, StandardCharsets.UTF_8);
        }
    }

    /** The tool outlived its timeout and was killed; carries what it printed until then. */
    public static final class TimedOut extends IOException {
        private final transient Result output;

        TimedOut(String message, Result output) {
            super(message);
            this.output = output;
        }

        /** What was kept of its output; the exit code is -1. */
        public Result output() {
            return output;
        }
    }

    /**
     * The tool could not be started at all (not on the PATH, not executable, no processes left): a fault of the
     * machine, never of the file it was run on, so callers wait for it to clear rather than count it against a file.
     */
    public static final class CannotStart extends IOException {
        public CannotStart(String program, IOException cause) {
            super("cannot start " + program + ": " + cause.getMessage(), cause);
        }

        /** Whether t or one of its causes is a tool that could not start. */
        public static boolean explains(Throwable t) {
            for (Throwable c = t; c != null; c = c.getCause()) {
                if (c instanceof CannotStart) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final File NO_INPUT = new File("/dev/null");
    private static final int MAX_STDOUT = 32 << 20;
    // a broken video can make ffmpeg print megabytes of decoder errors; only the first lines matter
    private static final int MAX_STDERR = 64 << 10;
    private static final Duration REAP_AFTER_KILL = Duration.ofSeconds(10);

    private final List<String> command;
    private File directory;
    private int maxStdout = MAX_STDOUT;
    private int maxStderr = MAX_STDERR;
    private boolean mergeStderr;

    private ToolRun(List<String> command) {
        this.command = List.copyOf(command);
    }

    public static ToolRun of(List<String> command) {
        return new ToolRun(command);
    }

    /** Runs with the default limits; a tool that cannot start is an IOException saying so. */
    public static Result run(List<String> command, Duration timeout) throws IOException {
        ToolRun run = of(command);
        Process process;
        try {
            process = run.start();
        } catch (IOException e) {
            throw new CannotStart(command.get(0), e);
        }
        return run.await(process, timeout);
    }

    public ToolRun directory(File dir) {
        this.directory = dir;
        return this;
    }

    /** How many bytes of each stream to keep (the first and, up to 64 KiB, the last). */
    public ToolRun limits(int stdout, int stderr) {
        this.maxStdout = stdout;
        this.maxStderr = stderr;
        return this;
    }

    /** stderr into stdout, in the order the tool wrote them (for a version line that may come on either). */
    public ToolRun mergeStderr() {
        this.mergeStderr = true;
        return this;
    }

    /** Starts the tool and waits at most the timeout (zero: no limit) for its end. */
    public Result run(Duration timeout) throws IOException {
        return await(start(), timeout);
    }

    private Process start() throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(NO_INPUT))
                .redirectErrorStream(mergeStderr);
        if (directory != null) {
            builder.directory(directory);
        }
        return ChildProcess.start(builder);
    }

    private Result await(Process process, Duration timeout) throws IOException {
        String program = command.get(0);
        StreamDrain out = StreamDrain.start(process.getInputStream(), maxStdout, program + "-stdout");
        StreamDrain err = StreamDrain.start(process.getErrorStream(), maxStderr, program + "-stderr");
        try {
            if (timeout.isZero()) {
                process.waitFor();
            } else if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(REAP_AFTER_KILL.toMillis(), TimeUnit.MILLISECONDS);
                throw new TimedOut(program + " did not finish within " + timeout.toSeconds() + " s",
                        new Result(-1, kept(out), kept(err)));
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while running " + program);
        }
        return new Result(process.exitValue(), kept(out), kept(err));
    }

    /** The stream's bytes; interrupted while waiting for its end, what was read so far (the flag stays set). */
    private static byte[] kept(StreamDrain drain) {
        try {
            return drain.bytes();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return drain.soFar();
        }
    }

    /** A tool's error line without a log-context prefix such as ffmpeg's "[demuxer @ 0x...] ". */
    public static String withoutContext(String line) {
        return line.replaceFirst("^\\[[^\\]]* @ 0x[0-9a-fA-F]+\\]\\s*", "").strip();
    }

    /** First non-blank line of a tool's stderr, without its log-context prefix and without the path. */
    public static String firstLine(String stderr, String path) {
        String text = stderr.replace(path + ": ", "").replace(path, "<file>");
        for (String line : text.split("\\R")) {
            String clean = withoutContext(line);
            if (!clean.isEmpty()) {
                return clean.length() > 200 ? clean.substring(0, 200) + "..." : clean;
            }
        }
        return "";
    }
}
