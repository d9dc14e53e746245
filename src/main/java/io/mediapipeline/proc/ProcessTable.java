package io.mediapipeline.proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What Linux's /proc says about processes: their state, parent, group and command line. */
public final class ProcessTable {

    private static final Path PROC = Path.of("/proc");
    private static final long POLL_MILLIS = 20;

    private ProcessTable() {
    }

    /** The interesting fields of /proc/PID/stat; {@link #GONE} when there is no such process. */
    public record Stat(char state, long ppid, long pgrp) {
        public static final Stat GONE = new Stat('-', 0, 0);

        /** Alive and not a zombie: it can still serve and write. */
        public boolean running() {
            return state != '-' && state != 'Z' && state != 'X';
        }

        public boolean zombie() {
            return state == 'Z';
        }
    }

    public static Stat stat(long pid) {
        String stat;
        try {
            stat = Files.readString(dir(pid).resolve("stat"), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return Stat.GONE;
        }
        // the command name in parentheses may itself hold spaces and parentheses: the fields start after the last ')'
        int end = stat.lastIndexOf(')');
        if (end < 0 || end + 2 > stat.length()) {
            return Stat.GONE;
        }
        String[] fields = stat.substring(end + 2).split(" ");
        try {
            return new Stat(fields[0].charAt(0), Long.parseLong(fields[1]), Long.parseLong(fields[2]));
        } catch (RuntimeException e) {
            return Stat.GONE;
        }
    }

    /** Whether a process is alive and not a zombie. */
    public static boolean isRunning(long pid) {
        return stat(pid).running();
    }

    /** Its arguments, or an empty list when it has gone (or is a kernel thread). */
    public static List<String> cmdline(long pid) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(dir(pid).resolve("cmdline"));
        } catch (IOException e) {
            return List.of();
        }
        List<String> argv = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                argv.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < raw.length) {
            // a process that rewrote its title (a postgres backend) may leave no NUL after it
            argv.add(new String(raw, start, raw.length - start, StandardCharsets.UTF_8));
        }
        return argv;
    }

    /** Its program name as the kernel shows it (at most 15 characters), or null when it has gone. */
    public static String comm(long pid) {
        try {
            return Files.readString(dir(pid).resolve("comm"), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return null;
        }
    }

    /** Every process id there is now. */
    public static List<Long> pids() {
        try (Stream<Path> entries = Files.list(PROC)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .map(Long::valueOf).toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + PROC + ": " + e.getMessage(), e);
        }
    }

    /** The processes of one process group that are still there. */
    public static List<Long> group(long pgid) {
        return pids().stream().filter(pid -> stat(pid).pgrp() == pgid).toList();
    }

    /** Polls until the process is gone or a zombie; false if it is still running at the timeout. */
    public static boolean awaitNotRunning(long pid, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRunning(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(POLL_MILLIS);
        }
        return true;
    }

    /** This JVM's effective user id (0 when root). */
    public static int effectiveUid() throws IOException {
        for (String line : Files.readAllLines(PROC.resolve("self/status"))) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
            }
        }
        throw new IOException("no Uid line in /proc/self/status");
    }

    private static Path dir(long pid) {
        return PROC.resolve(Long.toString(pid));
    }
}
