package io.mediapipeline.ledger.embedded;

import io.mediapipeline.proc.ProcessTable;
import io.mediapipeline.proc.Signals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a postmaster.pid in the data directory still names before a start: a server orphaned by an
 * earlier JVM (stopped), a crashed postmaster not yet reaped (waited for), or another program that got
 * the pid after a reboot (the stale file removed).
 */
final class PreviousServer {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);
    private static final Duration STOP_TIMEOUT = EmbeddedPostgres.STOP_TIMEOUT;
    private static final Duration REAP_TIMEOUT = Duration.ofSeconds(5);

    private final Path dataDir;
    private final Path postgres;

    /** For the cluster in dataDir, served by the postgres binary at that path. */
    PreviousServer(Path dataDir, Path postgres) {
        this.dataDir = dataDir;
        this.postgres = postgres;
    }

    /**
     * A postmaster.pid may name a server left behind by a JVM that died without the parent-death
     * signal (an orphan, parent now init), a postmaster that crashed and is not yet reaped, or, after
     * a reboot, an unrelated process that got the same pid. Returns whether there was anything to clear.
     */
    boolean clear() throws IOException, InterruptedException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        long pid = Dirs.pidIn(pidFile);
        if (pid <= 0) {
            return false;
        }
        ProcessTable.Stat state = ProcessTable.stat(pid);
        if (state.running() && isOurServer(pid)) {
            String parent = ProcessTable.comm(state.ppid());
            if (state.ppid() > 1 && "java".equals(parent)) {
                throw new IllegalStateException("PostgreSQL (pid " + pid + ") on " + dataDir + " belongs to "
                        + (state.ppid() == ProcessHandle.current().pid() ? "this JVM" : "another running JVM (pid "
                        + state.ppid() + "); is the pipeline already running?"));
            }
            LOG.warn("Stopping PostgreSQL (pid {}) orphaned by an earlier run on {}", pid, dataDir);
            Signals.send(pid, "INT");
            if (!ProcessTable.awaitNotRunning(pid, STOP_TIMEOUT)) {
                LOG.warn("Orphaned PostgreSQL (pid {}) ignored SIGINT for {} s; killing it", pid, STOP_TIMEOUT.toSeconds());
                Signals.send(pid, "KILL");
                ProcessTable.awaitNotRunning(pid, Duration.ofSeconds(5));
            }
        } else if (state.running()) {
            if (ProcessTable.cmdline(pid).stream().anyMatch(arg -> arg.contains("postgres"))) {
                return false; // not ours to stop; PostgreSQL itself reports the lock file
            }
            // After a reboot the pid is often reused; PostgreSQL would take that process for a postmaster.
            LOG.warn("Removing stale {}: its pid {} now belongs to another program", pidFile, pid);
            Files.deleteIfExists(pidFile);
            return true;
        } else if (!state.zombie()) {
            return false; // gone: PostgreSQL replaces a lock file whose pid is dead
        }
        // PostgreSQL takes a zombie's pid for a live postmaster and refuses the lock file: wait for the reap.
        if (Dirs.pidIn(pidFile) == pid && ProcessTable.stat(pid).zombie()) {
            long deadline = System.nanoTime() + REAP_TIMEOUT.toNanos();
            while (ProcessTable.stat(pid).zombie() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (ProcessTable.stat(pid).zombie() && Dirs.pidIn(pidFile) == pid) {
                LOG.warn("PostgreSQL (pid {}) is dead but not reaped after {} s; removing its stale {}",
                        pid, REAP_TIMEOUT.toSeconds(), pidFile);
                Files.deleteIfExists(pidFile);
            }
        }
        return true;
    }

    private boolean isOurServer(long pid) {
        List<String> argv = ProcessTable.cmdline(pid);
        int d = argv.indexOf("-D");
        return !argv.isEmpty()
                && argv.get(0).equals(postgres.toString())
                && d >= 0 && d + 1 < argv.size()
                && Path.of(argv.get(d + 1)).toAbsolutePath().normalize().equals(dataDir);
    }
}
