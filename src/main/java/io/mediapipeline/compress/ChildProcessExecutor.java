package io.mediapipeline.compress;

import io.mediapipeline.proc.ChildProcess;
import io.mediapipeline.proc.ToolRun;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.ExecCommandExecutor;
import org.apache.camel.component.exec.ExecException;
import org.apache.camel.component.exec.ExecResult;

/**
 * camel-exec's command executor for the compress tools, a thin adapter over {@link ToolRun}. camel-exec's default
 * executor registers a JVM shutdown hook that kills the child the moment SIGTERM arrives, before Camel's graceful
 * shutdown could let a running encode finish; this one registers none, and its child still dies with the JVM on
 * kill -9 ({@link ChildProcess}'s pdeathsig). Either way the output is a scratch file that only becomes a real
 * name after the gate, so a killed encode never looks finished.
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
        ToolRun run = ToolRun.of(argv).limits(maxStdout, maxStderr);
        if (command.getWorkingDir() != null) {
            run.directory(new File(command.getWorkingDir()));
        }
        ToolRun.Result result;
        try {
            result = run.run(command.getTimeout() > 0 ? Duration.ofMillis(command.getTimeout()) : Duration.ZERO);
        } catch (ToolRun.TimedOut e) {
            throw new ExecException(e.getMessage() + " and was killed", stdout(e.output()), stderr(e.output()), -1);
        }
        int exit = result.exitCode();
        if (!command.getExitValues().isEmpty() && !command.getExitValues().contains(exit)) {
            throw new ExecException(command.getExecutable() + " failed (exit " + exit + "): " + firstLines(result.stderrBytes()),
                    stdout(result), stderr(result), exit);
        }
        return new ExecResult(command, stdout(result), stderr(result), exit);
    }

    static String firstLines(byte[] stderr) {
        String text = new String(stderr, StandardCharsets.UTF_8).strip();
        String[] lines = text.split("\\R");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(3, lines.length); i++) {
            if (sb.length() > 0) sb.append(" | ");
            sb.append(ToolRun.withoutContext(lines[i]));
        }
        String s = sb.toString();
        return s.isEmpty() ? "no error output" : s.length() > 400 ? s.substring(0, 400) + "..." : s;
    }

    private static ByteArrayInputStream stdout(ToolRun.Result result) {
        return new ByteArrayInputStream(result.stdoutBytes());
    }

    private static ByteArrayInputStream stderr(ToolRun.Result result) {
        return new ByteArrayInputStream(result.stderrBytes());
    }
}
