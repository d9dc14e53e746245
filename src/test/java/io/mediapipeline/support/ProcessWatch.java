package io.mediapipeline.support;

import io.mediapipeline.proc.ProcessTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs a scan of the process table over and over on its own thread until closed, for tests that must catch
 * a short-lived child (an initdb, an icloudpd) showing a secret in its command line or environment.
 */
public final class ProcessWatch implements AutoCloseable {

    private final Runnable scan;
    private final long pauseMillis;
    private final Thread thread;
    private volatile boolean stop;
    private volatile int scans;

    private ProcessWatch(String name, Duration pause, Runnable scan) {
        this.scan = scan;
        this.pauseMillis = pause.toMillis();
        this.thread = new Thread(this::loop, name);
        thread.setDaemon(true);
    }

    /** Starts scanning now, pausing between scans. */
    public static ProcessWatch start(String name, Duration pause, Runnable scan) {
        ProcessWatch watch = new ProcessWatch(name, pause, scan);
        watch.thread.start();
        return watch;
    }

    private void loop() {
        while (!stop) {
            scan.run();
            scans++;
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Scans completed so far. */
    public int scans() {
        return scans;
    }

    /** Stops after the scan under way, so nothing is added after close. */
    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join();
    }

    /** The command line as the kernel keeps it, arguments each followed by a NUL; empty when gone. */
    public static String rawCmdline(long pid) {
        List<String> argv = ProcessTable.cmdline(pid);
        return argv.isEmpty() ? "" : String.join("\0", argv) + "\0";
    }

    /** The process's environment as the kernel keeps it (NUL-separated), or null when gone or not ours to read. */
    public static String environ(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }
}
