package io.mediapipeline.ledger.embedded;

import io.mediapipeline.proc.Ports;
import io.mediapipeline.proc.Signals;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server run as a child of this JVM from the zonky binaries on the classpath.
 *
 * <p>The server gets a parent-death signal (SIGINT, i.e. fast shutdown) so that it stops with the
 * JVM even when the JVM is killed; a server orphaned by an earlier JVM without that protection is
 * stopped before starting. As root, initdb and postgres run in a user namespace ({@code unshare -U
 * setpriv --pdeathsig=INT -- postgres ...}), because PostgreSQL refuses root; the files stay root's.
 * A new cluster asks for the password in the given file (scram-sha-256) on every connection.
 * The caller closes its connection pool before {@link #close()}.
 *
 * <p>{@link ServerLaunch} does one start ({@link PostgresBinaries}, {@link PreviousServer}, initdb, postgres);
 * this class is the running server and its stop.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);

    static final String USER = "postgres";
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Path dataDir;
    private final int port;
    private volatile Process process;
    /** How it was started, to start it again the same way on the same port ({@link #restartIfGone()}). */
    private volatile Builder launch;
    private final AtomicBoolean closed = new AtomicBoolean();

    EmbeddedPostgres(Path dataDir, int port, Process process) {
        this.dataDir = dataDir;
        this.port = port;
        this.process = process;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + Ports.LOOPBACK + ":" + port + "/postgres";
    }

    public String user() {
        return USER;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The postmaster's process id; for tests and diagnostics. */
    long pid() {
        return process.pid();
    }

    /**
     * Starts the server again, on the same port with the same data, when it died under the running app (its
     * postmaster killed, by the OOM killer say): the embedded ledger is the app's own part, which nobody else would
     * restart, and every stage waits for it meanwhile. False when it is running or closed; throws when it cannot
     * start now (the caller tries again later).
     */
    public synchronized boolean restartIfGone() throws IOException {
        Process dead = process;
        if (closed.get() || dead.isAlive() || launch == null) {
            return false;
        }
        LOG.error("The embedded PostgreSQL (pid {}) stopped by itself (exit {}); starting it again on port {}; "
                + "the stages wait for the ledger meanwhile", dead.pid(), dead.exitValue(), port);
        process = launch.port(port).start().process;
        return true;
    }

    /** Fast shutdown (SIGINT), SIGKILL only if the server is still there after 30 s. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long started = System.nanoTime();
        // A half-stopped server is worse than a late interrupt: finish, then restore the flag.
        boolean interrupted = Thread.interrupted();
        try {
            // Not Process.destroy(): SIGTERM is a smart shutdown, which waits for every client to leave.
            Signals.send(process.pid(), "INT");
        } catch (InterruptedException e) {
            interrupted = true;
        } catch (IOException e) {
            LOG.warn("Could not send SIGINT to PostgreSQL (pid {}): {}; sending SIGTERM", process.pid(), e.toString());
            process.destroy();
        }
        interrupted |= !Signals.awaitExit(process, STOP_TIMEOUT);
        if (process.isAlive()) {
            LOG.warn("PostgreSQL (pid {}) did not stop within {} s; killing it", process.pid(), STOP_TIMEOUT.toSeconds());
            process.destroyForcibly();
            interrupted |= !Signals.awaitExit(process, Duration.ofSeconds(5));
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        LOG.info("PostgreSQL on port {} stopped in {} ms", port, millisSince(started));
    }

    public static final class Builder {
        Path binariesRoot;
        Path dataDir;
        Path logFile;
        Path passwordFile;
        int port;
        boolean parentDeathSignal = true;

        private Builder() {
        }

        /** Where the binaries are unpacked once per version, shared by every server and JVM. */
        public Builder binariesRoot(Path binariesRoot) {
            this.binariesRoot = binariesRoot;
            return this;
        }

        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** initdb and server output is appended here. */
        public Builder logFile(Path logFile) {
            this.logFile = logFile;
            return this;
        }

        /** The superuser's password for a new cluster, on the file's first line (never on a command line). */
        public Builder passwordFile(Path passwordFile) {
            this.passwordFile = passwordFile;
            return this;
        }

        /** A fixed port, or 0 (the default) for a free port on 127.0.0.1. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            this.port = port;
            return this;
        }

        /** Tests only: start the server without the parent-death signal, so it can be orphaned. */
        Builder parentDeathSignal(boolean enabled) {
            this.parentDeathSignal = enabled;
            return this;
        }

        /** Unpacks the binaries if needed, runs initdb on a new data directory and starts the server. */
        public EmbeddedPostgres start() throws IOException {
            Objects.requireNonNull(binariesRoot, "binariesRoot");
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(logFile, "logFile");
            Objects.requireNonNull(passwordFile, "passwordFile");
            try {
                EmbeddedPostgres server = new ServerLaunch(this).run();
                server.launch = this;
                return server;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while starting PostgreSQL in " + dataDir);
            }
        }
    }


    static long millisSince(long nanoTime) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanoTime);
    }
}
