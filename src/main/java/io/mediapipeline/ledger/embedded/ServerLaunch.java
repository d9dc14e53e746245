package io.mediapipeline.ledger.embedded;

import io.mediapipeline.proc.ChildProcess;
import io.mediapipeline.proc.Ports;
import io.mediapipeline.proc.ProcessTable;
import io.mediapipeline.proc.Signals;
import io.mediapipeline.proc.ToolRun;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.StringJoiner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One start of the embedded server: unpack the binaries, clear what an earlier server left, initdb a new
 * cluster, start postgres and wait until it is ready. As root, initdb and postgres run in a user namespace,
 * because PostgreSQL refuses root; the files stay root's.
 */
final class ServerLaunch {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);
    private static final int PORT_ATTEMPTS = 5;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(30);
    private static final int LOG_TAIL_LINES = 20;

    private final Path binariesRoot;
    private final Path dataDir;
    private final Path logFile;
    private final Path passwordFile;
    private final int fixedPort;
    private final boolean parentDeathSignal;
    private Path installDir;
    private List<String> prefix;

    ServerLaunch(EmbeddedPostgres.Builder b) {
        this.binariesRoot = b.binariesRoot.toAbsolutePath().normalize();
        this.dataDir = realPath(b.dataDir);
        this.logFile = b.logFile.toAbsolutePath().normalize();
        this.passwordFile = b.passwordFile.toAbsolutePath().normalize();
        this.fixedPort = b.port;
        this.parentDeathSignal = b.parentDeathSignal;
    }

    /** A symlinked data directory is initialised where it points, not replaced by the new cluster. */
    private static Path realPath(Path path) {
        try {
            return Files.exists(path) ? path.toRealPath() : path.toAbsolutePath().normalize();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    EmbeddedPostgres run() throws IOException, InterruptedException {
        long started = System.nanoTime();
        StringJoiner steps = new StringJoiner(", ");
        Files.createDirectories(logFile.getParent());
        PostgresBinaries binaries = PostgresBinaries.onClasspath();
        String version = binaries.version();
        installDir = binaries.installUnder(binariesRoot);
        steps.add("binaries " + EmbeddedPostgres.millisSince(started) + " ms");

        prefix = privilegePrefix();
        long step = System.nanoTime();
        if (new PreviousServer(dataDir, bin("postgres")).clear()) {
            steps.add("previous server " + EmbeddedPostgres.millisSince(step) + " ms");
        }
        if (!Files.exists(dataDir.resolve("PG_VERSION"))) {
            step = System.nanoTime();
            initdb();
            steps.add("initdb " + EmbeddedPostgres.millisSince(step) + " ms");
        }
        step = System.nanoTime();
        EmbeddedPostgres server = startServer();
        steps.add("server " + EmbeddedPostgres.millisSince(step) + " ms");
        LOG.info("PostgreSQL {} ready on {}:{} with data in {} in {} ms ({})",
                version, Ports.LOOPBACK, server.port(), dataDir, EmbeddedPostgres.millisSince(started), steps);
        return server;
    }

    private Path bin(String name) {
        return installDir.resolve("bin").resolve(name);
    }

    /** PostgreSQL refuses to run as root; a user namespace unmaps root without touching file ownership. */
    private static List<String> privilegePrefix() throws IOException, InterruptedException {
        if (ProcessTable.effectiveUid() != 0) {
            return List.of();
        }
        int exitCode;
        String output;
        try {
            ToolRun.Result probe = ToolRun.of(List.of("unshare", "-U", "id", "-u")).mergeStderr().run(PROBE_TIMEOUT);
            exitCode = probe.exitCode();
            output = probe.stdout();
        } catch (InterruptedIOException e) {
            throw new InterruptedException(e.getMessage());
        } catch (IOException e) {
            exitCode = -1;
            output = e.getMessage();
        }
        if (exitCode != 0 || output.isBlank() || output.trim().equals("0")) {
            throw new IllegalStateException("Running as root, and PostgreSQL refuses to run as root: the embedded"
                    + " database needs user namespaces ('unshare -U id -u' gave exit " + exitCode + ": "
                    + output.trim() + "). Run the pipeline as a non-root user, enable unprivileged user"
                    + " namespaces, or configure pipeline.db.url to use an external PostgreSQL.");
        }
        return List.of("unshare", "-U");
    }

    private void initdb() throws IOException, InterruptedException {
        if (Files.isDirectory(dataDir) && !Dirs.isEmptyDirectory(dataDir)) {
            throw new IllegalStateException(dataDir + " is not empty but holds no PostgreSQL cluster (no"
                    + " PG_VERSION); refusing to initialise over it");
        }
        // initdb into a sibling and rename, so an interrupted initdb never looks like a cluster.
        Path scratch = dataDir.resolveSibling("." + dataDir.getFileName() + ".initdb");
        Dirs.deleteRecursively(scratch);
        Files.createDirectories(dataDir.getParent());
        List<String> cmd = List.of(bin("initdb").toString(), "-D", scratch.toString(), "-U", EmbeddedPostgres.USER,
                "--auth=scram-sha-256", "--pwfile=" + passwordFile, "-E", "UTF8", "--locale=C");
        long logOffset = Dirs.sizeOf(logFile);
        Process initdb = ChildProcess.of(new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())))
                .wrappedIn(prefix).deathSignal("INT").start();
        int exit;
        try {
            exit = initdb.waitFor();
        } catch (InterruptedException e) {
            initdb.destroy(); // initdb removes what it created
            throw e;
        }
        if (exit != 0) {
            throw new IOException("initdb exited with " + exit + " for " + dataDir + "; last lines of "
                    + logFile + ":\n" + logTail(logOffset));
        }
        Files.deleteIfExists(dataDir);
        Files.move(scratch, dataDir, StandardCopyOption.ATOMIC_MOVE);
    }

    private EmbeddedPostgres startServer() throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            int port = fixedPort != 0 ? fixedPort : Ports.freePort();
            long logOffset = Dirs.sizeOf(logFile);
            // started from the launcher thread, which lives as long as the JVM: the death signal follows that thread
            Process process = ChildProcess.of(new ProcessBuilder(serverCommand(port))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())))
                    .wrappedIn(prefix).deathSignal(parentDeathSignal ? "INT" : null).start();
            boolean ready;
            try {
                ready = awaitReady(process, logOffset);
            } catch (InterruptedException | RuntimeException e) {
                stopQuietly(process);
                throw e;
            }
            if (ready) {
                return new EmbeddedPostgres(dataDir, port, process);
            }
            String log = Dirs.logSince(logFile, logOffset);
            boolean portTaken = log.contains("Address already in use");
            if (portTaken && fixedPort == 0 && attempt < PORT_ATTEMPTS) {
                LOG.debug("Port {} was taken before PostgreSQL bound it; trying another", port);
                continue;
            }
            throw new IOException("PostgreSQL exited with " + process.exitValue() + " before it was ready"
                    + (portTaken ? " (port " + port + " in use)" : "") + "; last lines of " + logFile
                    + ":\n" + logTail(logOffset));
        }
    }

    private List<String> serverCommand(int port) {
        return List.of(bin("postgres").toString(), "-D", dataDir.toString(), "-p", Integer.toString(port),
                "-c", "listen_addresses=" + Ports.LOOPBACK,
                "-c", "unix_socket_directories=",
                "-c", "timezone=UTC",
                "-c", "fsync=on",
                "-c", "max_connections=100");
    }

    /** True once postmaster.pid names our child and says "ready"; false if the child exited first. */
    private boolean awaitReady(Process process, long logOffset) throws IOException, InterruptedException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        String pid = Long.toString(process.pid());
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            List<String> lines = Dirs.readLines(pidFile);
            if (lines.size() >= 8 && lines.get(0).trim().equals(pid) && lines.get(7).trim().equals("ready")) {
                return true;
            }
            if (!process.isAlive()) {
                return false;
            }
            Thread.sleep(10);
        }
        stopQuietly(process);
        throw new IOException("PostgreSQL was not ready within " + READY_TIMEOUT.toSeconds() + " s; last lines of "
                + logFile + ":\n" + logTail(logOffset));
    }

    /** Stops a server that never became ready; keeps the caller's interrupt. */
    private static void stopQuietly(Process process) {
        boolean interrupted = false;
        try {
            Signals.send(process.pid(), "INT");
        } catch (InterruptedException e) {
            interrupted = true;
        } catch (IOException e) {
            process.destroyForcibly();
        }
        interrupted |= !Signals.awaitExit(process, Duration.ofSeconds(5));
        process.destroyForcibly();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private String logTail(long offset) {
        List<String> lines = Dirs.logSince(logFile, offset).lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    }
}
