package io.mediapipeline.icloud;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.RequiredTools;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REAL icloudpd 1.32.2 (npm platform binary) run the way the pipeline runs it: password on stdin
 * without a terminal, outcome read from its lines, TMPDIR emptied, SIGTERM to the group stops the
 * whole tree, and what a SIGKILL leaves behind (orphaned children, 107 MB in TMPDIR) is cleaned on the
 * next start. Apple is unreachable here; a local proxy that never answers keeps it busy when needed.
 */
class RealIcloudpdProcessTest {

    private static final String PASSWORD = "Real-Test-Pa55-9w";

    @TempDir
    Path tmp;

    private Path binary() {
        Path binary = PipelineHome.projectDir().resolve(".tools/node_modules/@icloudpd/linux-x64/bin/icloudpd");
        RequiredTools.need(Files.isRegularFile(binary), "the real icloudpd at " + binary);
        return binary;
    }

    private IcloudConfig.Account account() {
        Path state = tmp.resolve("state");
        return new IcloudConfig.Account("real", "nobody@example.invalid", PASSWORD, state.resolve("cookies/real"),
                tmp.resolve("icloud/real"), state.resolve("tmp/real"), "", "", List.of("original"), "original",
                false, false, "name-size-dedup-with-suffix", false, List.of(), "", "{:%Y/%m/%d}", List.of());
    }

    @Test
    void passwordOnStdinNoNetworkIsAFailureNotASuccess() throws Exception {
        Path binary = binary();
        IcloudConfig.Account a = account();
        IcloudProcess p = new IcloudProcess(binary, a, 5);
        p.start(IcloudCommand.download(binary, a), List.of(PASSWORD));
        p.closeStdin();
        List<String> lines = new ArrayList<>();
        RunResult r = p.await(new OutputClassifier(), PASSWORD, lines::add);
        System.out.println("real icloudpd said: " + lines + " -> " + r);
        assertThat(r.exitCode()).as("icloudpd exits 0 even when it cannot connect").isZero();
        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.reason()).contains("Cannot connect to Apple iCloud service");
        assertThat(String.join("\n", lines)).contains("Processing user: nobody@example.invalid")
                .doesNotContain(PASSWORD).doesNotContain("unrecognized arguments");
        assertThat(count(a.tmpDir())).as("TMPDIR empty afterwards").isZero();
    }

    @Test
    void sigtermToTheGroupStopsTheTreeAndSigkillLeftoversAreCleanedOnTheNextStart() throws Exception {
        Path binary = binary();
        IcloudConfig.Account a = account();
        try (ServerSocket blackHole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> held = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(blackHole.accept()); // accept, never answer
                    }
                } catch (IOException ignored) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String proxy = "http://127.0.0.1:" + blackHole.getLocalPort();

            // 1. SIGTERM to the group: rc 143, no process left, TMPDIR emptied
            IcloudProcess p = new IcloudProcess(binary, a, 10).env("HTTPS_PROXY", proxy);
            p.start(IcloudCommand.download(binary, a), List.of(PASSWORD));
            p.closeStdin();
            List<ProcessHandle> tree = waitForTree(p.pid(), 3);
            Thread stopper = new Thread(p::stop);
            List<String> lines = new ArrayList<>();
            Thread.sleep(500);
            stopper.start();
            RunResult r = p.await(new OutputClassifier(), PASSWORD, lines::add);
            stopper.join();
            assertThat(r.exitCode()).isEqualTo(143);
            assertThat(r.outcome()).isEqualTo(Outcome.STOPPED);
            for (ProcessHandle h : tree) {
                h.onExit().get(10, TimeUnit.SECONDS);
            }
            assertThat(count(a.tmpDir())).isZero();

            // 2. SIGKILL of the first process only (what pdeathsig does when the JVM is killed): children orphaned
            IcloudProcess killed = new IcloudProcess(binary, a, 10).env("HTTPS_PROXY", proxy);
            killed.start(IcloudCommand.download(binary, a), List.of(PASSWORD));
            killed.closeStdin();
            List<ProcessHandle> orphans = waitForTree(killed.pid(), 3).stream().filter(h -> h.pid() != killed.pid()).toList();
            new ProcessBuilder("kill", "-KILL", String.valueOf(killed.pid())).start().waitFor();
            Thread.sleep(1000);
            assertThat(orphans).as("children outlive a SIGKILL of icloudpd's first process").anyMatch(ProcessHandle::isAlive);
            assertThat(count(a.tmpDir())).as("SIGKILL leaves the unpacked files").isPositive();

            // the next start kills the leftovers of that group and empties TMPDIR before unpacking again
            IcloudProcess next = new IcloudProcess(binary, a, 10).env("HTTPS_PROXY", proxy);
            next.start(IcloudCommand.download(binary, a), List.of(PASSWORD));
            next.closeStdin();
            for (ProcessHandle h : orphans) {
                h.onExit().get(10, TimeUnit.SECONDS);
            }
            assertThat(orphans).noneMatch(ProcessHandle::isAlive);
            next.stop();
            next.await(new OutputClassifier(), PASSWORD, l -> { });
            assertThat(count(a.tmpDir())).isZero();
            for (Socket s : held) {
                s.close();
            }
        }
    }

    private static List<ProcessHandle> waitForTree(long pid, int size) throws InterruptedException {
        ProcessHandle root = ProcessHandle.of(pid).orElseThrow();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<ProcessHandle> all = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            all = new ArrayList<>(root.descendants().toList());
            all.add(root);
            if (all.size() >= size) {
                return all;
            }
            Thread.sleep(50);
        }
        return all;
    }

    private static long count(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
