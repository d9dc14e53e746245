package io.mediapipeline.proc;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Signals to a process or to its whole process group, and the wait that follows one. Java's own
 * {@link Process#destroy()} knows only TERM and KILL to one process; PostgreSQL's fast shutdown is INT, and
 * icloudpd's unpacked children share the group of the process we started.
 */
public final class Signals {

    private static final long KILL_COMMAND_TIMEOUT_SECONDS = 5;

    private Signals() {
    }

    /** Sends the signal (a name such as "INT") to one process; a process that has already gone is no error. */
    public static void send(long pid, String signal) throws IOException, InterruptedException {
        kill(signal, Long.toString(pid));
    }

    /** Sends the signal to every process in the group led by {@code pgid}, grandchildren included. */
    public static void sendToGroup(long pgid, String signal) throws IOException, InterruptedException {
        kill(signal, "--", "-" + pgid);
    }

    private static void kill(String signal, String... target) throws IOException, InterruptedException {
        String[] command = new String[3 + target.length];
        command[0] = "kill";
        command[1] = "-s";
        command[2] = signal;
        System.arraycopy(target, 0, command, 3, target.length);
        // exit code ignored: the process may have exited in the meantime, which is what a signal wants anyway
        ChildProcess.start(new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD))
                .waitFor(KILL_COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Waits for the exit until the timeout even when interrupted (a half-stopped server is worse than a late
     * interrupt); returns false if it was interrupted, and the caller restores the flag.
     */
    public static boolean awaitExit(Process process, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        while (true) {
            try {
                process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                return !interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }
}
