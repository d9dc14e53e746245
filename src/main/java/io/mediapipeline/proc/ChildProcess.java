package io.mediapipeline.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The one place that starts child processes. Every child gets the allow-listed environment of
 * {@link ChildEnvironment} (the builder's own environment is replaced) and dies with the JVM, even on
 * kill -9: the command is prefixed with {@code setpriv --pdeathsig=KILL} and started from one thread
 * that lives as long as the JVM (the kernel sends the signal when the starting thread ends, not the
 * process). A long-lived exiftool otherwise outlives a killed JVM forever, and an encode would keep
 * running and writing after it.
 *
 * <pre>{@code ChildProcess.of(builder).env("STNORESTART", "1").start()}</pre>
 */
public final class ChildProcess {

    private static final boolean SETPRIV = Files.isExecutable(Path.of("/usr/bin/setpriv"));

    private static final ExecutorService LAUNCHER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "child-process-launcher");
        t.setDaemon(true);
        return t;
    });

    private final ProcessBuilder builder;
    private final Map<String, String> extraEnv = new LinkedHashMap<>();
    private final List<String> wrapper = new ArrayList<>();
    private String deathSignal = "KILL";

    private ChildProcess(ProcessBuilder builder) {
        this.builder = builder;
    }

    public static ChildProcess of(ProcessBuilder builder) {
        return new ChildProcess(builder);
    }

    /** Starts with the allow-listed environment and the KILL parent-death signal. */
    public static Process start(ProcessBuilder builder) throws IOException {
        return of(builder).start();
    }

    /** One more environment variable for this child, beyond the allow-list. */
    public ChildProcess env(String name, String value) {
        extraEnv.put(name, value);
        return this;
    }

    public ChildProcess env(Map<String, String> vars) {
        extraEnv.putAll(vars);
        return this;
    }

    /** Passes these variables on from the JVM's environment, where set; for what one tool really needs. */
    public ChildProcess inherit(String... names) {
        for (String name : names) {
            String value = System.getenv(name);
            if (value != null) {
                extraEnv.put(name, value);
            }
        }
        return this;
    }

    /** The signal the child gets when the JVM dies (KILL by default), or null for none. */
    public ChildProcess deathSignal(String signal) {
        this.deathSignal = signal;
        return this;
    }

    /** A program that execs the rest of the command (such as {@code unshare -U}); it runs before setpriv. */
    public ChildProcess wrappedIn(List<String> prefix) {
        wrapper.addAll(prefix);
        return this;
    }

    public Process start() throws IOException {
        String program = builder.command().get(0);
        if (!found(program)) {
            throw new IOException(program + ": not found");
        }
        List<String> command = new ArrayList<>(wrapper);
        if (SETPRIV && deathSignal != null) {
            command.addAll(List.of("/usr/bin/setpriv", "--pdeathsig=" + deathSignal, "--"));
        }
        command.addAll(builder.command());
        builder.command(command);
        Map<String, String> env = builder.environment();
        env.clear();
        env.putAll(ChildEnvironment.of(System.getenv(), extraEnv));
        Future<Process> started = LAUNCHER.submit(builder::start);
        try {
            return started.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(cause.getMessage(), cause);
        } catch (InterruptedException e) {
            // the start is a moment away: wait for it, so a child that did start is not left running untracked
            try {
                Process orphan = uninterruptibly(started);
                orphan.destroyForcibly();
            } catch (ExecutionException notStarted) {
                // nothing to stop
            }
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + builder.command(), e);
        }
    }

    private static Process uninterruptibly(Future<Process> started) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return started.get();
                } catch (InterruptedException again) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Checked up front: behind setpriv a missing program would only show as an odd exit code. */
    private static boolean found(String program) {
        if (program.contains("/")) {
            return Files.isExecutable(Path.of(program));
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
