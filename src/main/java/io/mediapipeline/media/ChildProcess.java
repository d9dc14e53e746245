package io.mediapipeline.media;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Starts external tools so that they die with the JVM, even on kill -9: each command is prefixed
 * with {@code setpriv --pdeathsig=KILL} and started from one thread that lives as long as the JVM
 * (the kernel sends the signal when the starting thread ends, not the process; see
 * reference/embedded-postgres.md, pitfall 1). A long-lived exiftool otherwise outlives a killed
 * JVM forever, and an encode would keep running and writing after it.
 */
public final class ChildProcess {

    private static final boolean SETPRIV = Files.isExecutable(Path.of("/usr/bin/setpriv"));

    private static final ExecutorService LAUNCHER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "child-process-launcher");
        t.setDaemon(true);
        return t;
    });

    private ChildProcess() {
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

    public static Process start(ProcessBuilder builder) throws IOException {
        String program = builder.command().get(0);
        if (!found(program)) {
            throw new IOException(program + ": not found");
        }
        if (SETPRIV) {
            List<String> command = new ArrayList<>(List.of("/usr/bin/setpriv", "--pdeathsig=KILL", "--"));
            command.addAll(builder.command());
            builder.command(command);
        }
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
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + builder.command(), e);
        }
    }
}
