package io.mediapipeline.compress;

import io.mediapipeline.media.StreamDrain;
import io.mediapipeline.proc.ChildProcess;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.ExecCommandExecutor;
import org.apache.camel.component.exec.ExecException;
import org.apache.camel.component.exec.ExecResult;

/**
 * camel-exec's command executor for ffmpeg and exiftool (camel.md section 0, trap (b)). Unlike the default
 * commons-exec executor it registers no JVM shutdown hook that kills the child the moment SIGTERM arrives, so
 * Camel's graceful shutdown can let a running encode finish; and it starts the child through
 * {@link ChildProcess} (pdeathsig), so the child still dies with the JVM on kill -9. Either way the output
 * is a scratch file that only becomes a real name after the gate, so a killed encode never looks finished.
 *
 * <p>stdin is /dev/null (the exchange body is never piped in), stdout and stderr are drained concurrently and
 * capped, the timeout kills the child, and an exit value outside the endpoint's exitValues is an
 * {@link ExecException} carrying the tool's stderr.
 */
public class ChildProcessExecutor implements ExecCommandExecutor {

    private final int maxStdout;
    private final int maxStderr;

    public ChildProcessExecutor() {
        this(16 << 20, 64 << 10);
    }

    /** Tests: smaller caps, so a long tool output is cheap to make. */
    ChildProcessExecutor(int maxStdout, int maxStderr) {
        this.maxStdout = maxStdout;
        this.maxStderr = maxStderr;
    }

    @Override
    public ExecResult execute(ExecCommand command) throws ExecException, IOException {
        List<String> argv = new ArrayList<>();
        argv.add(command.getExecutable());
        argv.addAll(command.getArgs());
        ProcessBuilder builder = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (command.getWorkingDir() != null) {
            builder.directory(new File(command.getWorkingDir()));
        }
        Process process = ChildProcess.start(builder);
        StreamDrain out = StreamDrain.start(process.getInputStream(), maxStdout, command.getExecutable() + "-stdout");
        StreamDrain err = StreamDrain.start(process.getErrorStream(), maxStderr, command.getExecutable() + "-stderr");
        long timeout = command.getTimeout() > 0 ? command.getTimeout() : Long.MAX_VALUE;
        try {
            if (!process.waitFor(timeout, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new ExecException(command.getExecutable() + " did not finish within " + timeout / 1000 + " s and was killed",
                        new ByteArrayInputStream(kept(out)), new ByteArrayInputStream(kept(err)), -1);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while running " + command.getExecutable());
        }
        int exit = process.exitValue();
        byte[] stdout = kept(out);
        byte[] stderr = kept(err);
        if (!command.getExitValues().isEmpty() && !command.getExitValues().contains(exit)) {
            throw new ExecException(command.getExecutable() + " failed (exit " + exit + "): " + firstLines(stderr),
                    new ByteArrayInputStream(stdout), new ByteArrayInputStream(stderr), exit);
        }
        return new ExecResult(command, new ByteArrayInputStream(stdout), new ByteArrayInputStream(stderr), exit);
    }

    static String firstLines(byte[] stderr) {
        String text = new String(stderr, java.nio.charset.StandardCharsets.UTF_8).strip();
        String[] lines = text.split("\\R");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(3, lines.length); i++) {
            if (sb.length() > 0) sb.append(" | ");
            sb.append(lines[i].replaceFirst("^\\[[^\\]]* @ 0x[0-9a-fA-F]+\\]\\s*", "").strip());
        }
        String s = sb.toString();
        return s.isEmpty() ? "no error output" : s.length() > 400 ? s.substring(0, 400) + "..." : s;
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
}
