package io.mediapipeline.icloud;

import io.mediapipeline.proc.ChildProcess;
import io.mediapipeline.proc.PrivateDir;
import io.mediapipeline.proc.ProcessTable;
import io.mediapipeline.proc.Signals;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One icloudpd process: started as the leader of its own session (setsid: no controlling terminal, so
 * the console password provider reads stdin, and one process group to signal), with pdeathsig so it
 * dies with the JVM, TMPDIR in a folder we empty (each start unpacks ~107 MB, left behind after
 * SIGKILL), the pipeline's own environment variables (secrets) removed, and the password only on
 * stdin. Stopped with SIGTERM to the group, then SIGKILL after the grace period.
 */
public final class IcloudProcess {

    private static final Logger LOG = LoggerFactory.getLogger(IcloudProcess.class);

    private final Path binary;
    private final IcloudConfig.Account account;
    private final int graceSeconds;
    private volatile Process process;
    private volatile boolean stopping;
    private volatile boolean timedOut;
    private OutputStream stdin;
    private final java.util.Map<String, String> extraEnv = new java.util.HashMap<>();

    public IcloudProcess(Path binary, IcloudConfig.Account account, int graceSeconds) {
        this.binary = binary;
        this.account = account;
        this.graceSeconds = graceSeconds;
    }

    /** Prepares folders, kills what a killed JVM left behind, starts the command and writes the first stdin lines. */
    public void start(List<String> command, List<String> stdinLines) throws IOException {
        if (!Files.isRegularFile(binary)) {
            throw new IOException(binary + ": not found (run `bin/media-pipeline setup`, or set pipeline.source.icloud.binary)");
        }
        if (!Files.isExecutable(binary)) {
            // the npm package ships the binary without its execute bit
            Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        PrivateDir.create(account.cookieDir());
        Files.createDirectories(account.downloadDir());
        killLeftovers();
        emptyTmp();
        List<String> cmd = new ArrayList<>(List.of("setsid", "-w"));
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        stopping = false;
        // a household behind a proxy still reaches Apple; nothing else of the JVM's environment goes along
        Process p = ChildProcess.of(pb).inherit("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy")
                .env("TMPDIR", account.tmpDir().toString()).env("LANG", "C.UTF-8").env(extraEnv).start();
        process = p;
        Files.writeString(pidFile(), Long.toString(p.pid()));
        stdin = p.getOutputStream();
        for (String line : stdinLines) {
            write(line);
        }
    }

    /** Extra environment for the process (tests: a proxy that never answers). */
    IcloudProcess env(String name, String value) {
        extraEnv.put(name, value);
        return this;
    }

    long pid() {
        return process.pid();
    }

    /** Sends one more line (the MFA code) to the waiting process. */
    public void write(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    public void closeStdin() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    /** Reads every output line (password masked) into the sink and the classifier until the process ends. */
    public RunResult await(OutputClassifier classifier, String secret, Consumer<String> sink) throws InterruptedException {
        return await(classifier, secret, sink, java.time.Duration.ZERO);
    }

    /** As above; a run longer than the timeout (zero = no limit) is stopped and counts as failed. */
    public RunResult await(OutputClassifier classifier, String secret, Consumer<String> sink, java.time.Duration timeout)
            throws InterruptedException {
        Process p = process;
        Thread watchdog = null;
        if (!timeout.isZero()) {
            watchdog = new Thread(() -> {
                try {
                    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                        timedOut = true;
                        LOG.warn("icloudpd for {} still running after {}; stopping it", account.name(), timeout);
                        stop();
                    }
                } catch (InterruptedException ignored) {
                    // the run ended
                }
            }, "icloudpd-watchdog-" + account.name());
            watchdog.setDaemon(true);
            watchdog.start();
        }
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (secret != null && !secret.isEmpty() && line.contains(secret)) {
                    line = line.replace(secret, "******");
                }
                classifier.accept(line);
                sink.accept(line);
            }
        } catch (IOException e) {
            LOG.debug("icloudpd output ended: {}", e.getMessage());
        }
        int rc = p.waitFor();
        if (watchdog != null) {
            watchdog.interrupt();
        }
        try {
            Files.deleteIfExists(pidFile());
            emptyTmp();
        } catch (IOException e) {
            LOG.warn("cannot clean {}: {}", account.tmpDir(), e.getMessage());
        }
        if (timedOut) {
            RunResult r = classifier.result(rc, false);
            return new RunResult(r.downloaded() > 0 ? Outcome.PARTIAL : Outcome.FAILED, rc,
                    "no end within " + timeout.toMinutes() + " minute(s); stopped (the next run continues where it ended)",
                    r.downloaded());
        }
        return classifier.result(rc, stopping);
    }

    public boolean running() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** SIGTERM to the process group, SIGKILL after the grace period. */
    public void stop() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        stopping = true;
        signalGroup(p.pid(), "TERM");
        try {
            if (!p.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                LOG.warn("icloudpd for {} did not stop within {} s; killing it", account.name(), graceSeconds);
                signalGroup(p.pid(), "KILL");
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            signalGroup(p.pid(), "KILL");
        }
    }

    private static void signalGroup(long pgid, String signal) {
        try {
            Signals.sendToGroup(pgid, signal);
        } catch (IOException e) {
            LOG.warn("kill -{} -{} failed: {}", signal, pgid, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Path pidFile() {
        return account.tmpDir().resolveSibling(account.name() + ".pid");
    }

    /**
     * After a kill -9 of the JVM, pdeathsig ends icloudpd's first process, but the unpacked children
     * keep running. Their process group is the one we recorded; only members that are icloudpd
     * (its binary or our TMPDIR in their command line) are killed.
     */
    private void killLeftovers() throws IOException {
        Path pidFile = pidFile();
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        long pgid;
        try {
            pgid = Long.parseLong(Files.readString(pidFile).trim());
        } catch (NumberFormatException e) {
            Files.delete(pidFile);
            return;
        }
        for (long pid : ProcessTable.group(pgid)) {
            String cmdline = String.join("\0", ProcessTable.cmdline(pid));
            if (cmdline.contains(binary.toString()) || cmdline.contains(account.tmpDir().toString())) {
                LOG.warn("Killing icloudpd left over from an earlier run: pid {}", pid);
                try {
                    Signals.send(pid, "KILL");
                } catch (IOException e) {
                    // the process ended meanwhile
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        Files.deleteIfExists(pidFile);
    }

    private void emptyTmp() throws IOException {
        Path tmp = account.tmpDir();
        if (Files.isDirectory(tmp)) {
            try (Stream<Path> s = Files.walk(tmp)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    if (!p.equals(tmp)) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
        PrivateDir.create(tmp);
    }
}
