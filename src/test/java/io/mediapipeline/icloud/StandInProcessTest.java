package io.mediapipeline.icloud;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.support.IcloudStandIn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * IcloudProcess with the stand-in: a hung run is stopped by the run timeout (failed, or partial when it downloaded
 * something); bad arguments are read from stdout; the stand-in behaves as icloudpd 1.32.2 does (a loader and a
 * worker process, the password read from a terminal when there is one, its real log sequences) and each sequence
 * is classified as the pipeline must.
 */
class StandInProcessTest {

    @TempDir
    Path tmp;

    private IcloudConfig.Account account(String user, List<String> extra) {
        return new IcloudConfig.Account("t", user, "pw-standin-1", tmp.resolve("state/cookies/t"),
                tmp.resolve("icloud/t"), tmp.resolve("state/tmp/t"), "", "", List.of("original"), "original",
                false, false, "name-size-dedup-with-suffix", false, List.of(), "", "{:%Y/%m/%d}", extra);
    }

    @Test
    void aRunLongerThanTheTimeoutThatDownloadedNothingIsStoppedAndCountsAsFailed() throws Exception {
        IcloudStandIn icloud = new IcloudStandIn(tmp);
        Path lib = Files.createDirectories(icloud.user("t@example.com").resolve("library/2024/01/01"));
        Files.write(lib.resolve("a.jpg"), new byte[2000]);
        Files.write(lib.resolve("b.jpg"), new byte[2000]);
        icloud.marker("t@example.com", "slow", "30");
        long t0 = System.nanoTime();
        RunResult r = runWithTimeout(icloud, Duration.ofSeconds(2));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
        assertThat(r.downloaded()).isZero();
        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.exitCode()).isEqualTo(143);
        assertThat(r.reason()).contains("no end within");
    }

    @Test
    void aRunThatDownloadedSomethingAndThenHangsPastTheTimeoutCountsAsPartial() throws Exception {
        IcloudStandIn icloud = new IcloudStandIn(tmp);
        Path lib = Files.createDirectories(icloud.user("t@example.com").resolve("library/2024/01/01"));
        Files.write(lib.resolve("a.jpg"), new byte[2000]);
        Files.write(lib.resolve("b.jpg"), new byte[2000]);
        icloud.marker("t@example.com", "hang", "");
        RunResult r = runWithTimeout(icloud, Duration.ofSeconds(5));
        assertThat(tmp.resolve("icloud/t/2024/01/01/a.jpg")).as("downloaded before the hang").exists();
        assertThat(tmp.resolve("icloud/t/2024/01/01/b.jpg")).exists();
        assertThat(r.downloaded()).isEqualTo(2);
        assertThat(r.outcome()).as(r.reason()).isEqualTo(Outcome.PARTIAL);
        assertThat(r.exitCode()).isEqualTo(143);
        assertThat(r.reason()).contains("no end within");
    }

    private RunResult runWithTimeout(IcloudStandIn icloud, Duration timeout) throws Exception {
        IcloudConfig.Account a = account("t@example.com", List.of());
        IcloudProcess p = new IcloudProcess(icloud.binary(), a, 5).env("FAKE_ICLOUD", icloud.root().toString());
        p.start(IcloudCommand.download(icloud.binary(), a), List.of("pw-standin-1"));
        p.closeStdin();
        return p.await(new OutputClassifier(), "pw-standin-1", l -> { }, timeout);
    }

    @Test
    void badArgumentsExitZeroAndAreRecognised() throws Exception {
        IcloudStandIn icloud = new IcloudStandIn(tmp);
        IcloudConfig.Account a = account("t@example.com", List.of("--bogus-flag"));
        IcloudProcess p = new IcloudProcess(icloud.binary(), a, 5).env("FAKE_ICLOUD", icloud.root().toString());
        p.start(IcloudCommand.download(icloud.binary(), a), List.of("pw-standin-1"));
        p.closeStdin();
        List<String> lines = new ArrayList<>();
        RunResult r = p.await(new OutputClassifier(), "pw-standin-1", lines::add);
        assertThat(r.exitCode()).isZero();
        assertThat(r.outcome()).as(lines.toString()).isEqualTo(Outcome.BAD_ARGUMENTS);
        assertThat(r.reason()).contains("unrecognized arguments: --bogus-flag");
    }

    private RunResult runStandIn(IcloudStandIn icloud, IcloudConfig.Account a, List<String> command, List<String> lines)
            throws Exception {
        IcloudProcess p = new IcloudProcess(icloud.binary(), a, 5).env("FAKE_ICLOUD", icloud.root().toString());
        p.start(command, List.of("pw-standin-1"));
        p.closeStdin();
        OutputClassifier classifier = command.contains("--auth-only") ? OutputClassifier.forSignIn() : new OutputClassifier();
        return p.await(classifier, "pw-standin-1", lines::add);
    }

    /** Each real sequence, switched on by a marker, and the outcome it must get (never success without proof). */
    @ParameterizedTest
    @CsvSource({
            "partial,, PARTIAL, Could not download b.jpg",
            "session-error,, PARTIAL, Session error, re-authenticating",
            "transient,, SUCCESS, 3 file(s) downloaded",
            "login-fail, srp, AUTH_NEEDED, Failed to initiate srp authentication",
            "login-fail, token, AUTH_NEEDED, Invalid authentication token",
            "login-fail, password, AUTH_NEEDED, Invalid email/password combination",
            "login-fail, 421, AUTH_NEEDED, Authentication required for Account",
            "login-fail, zone, FAILED, Apple iCloud setup is not complete",
            "throttle,, THROTTLED, temporary refusing to serve icloudpd",
            "silent,, UNKNOWN, without an end-of-run line",
            "crash,, FAILED, icloudpd crashed (exit 1)"})
    void realSequencesAreClassified(String marker, String content, Outcome expected, String reason) throws Exception {
        IcloudStandIn icloud = new IcloudStandIn(tmp);
        Path lib = Files.createDirectories(icloud.user("t@example.com").resolve("library/2024/01/01"));
        for (String name : List.of("a.jpg", "b.jpg", "c.jpg")) {
            Files.write(lib.resolve(name), name.getBytes());
        }
        icloud.marker("t@example.com", marker, content == null ? "" : content);
        IcloudConfig.Account a = account("t@example.com", List.of());
        List<String> lines = new ArrayList<>();
        RunResult r = runStandIn(icloud, a, IcloudCommand.download(icloud.binary(), a), lines);
        assertThat(r.outcome()).as(String.join("\n", lines)).isEqualTo(expected);
        assertThat(r.reason()).contains(reason);
        if (marker.equals("partial") || marker.equals("session-error")) {
            assertThat(lines).as("the real one prints the end line after a failed file").anyMatch(l ->
                    l.endsWith("All photos and videos have been downloaded"));
        }
        if (marker.equals("login-fail") && !content.equals("zone") && !content.equals("421")) {
            assertThat(lines).as("sign-in failures are logged at INFO").anyMatch(l -> l.contains(" INFO ") && l.contains(reason));
        }
    }

    @Test
    void aSignInEndsWithItsOwnSuccessLine() throws Exception {
        IcloudStandIn icloud = new IcloudStandIn(tmp);
        icloud.user("t@example.com");
        IcloudConfig.Account a = account("t@example.com", List.of());
        List<String> lines = new ArrayList<>();
        RunResult r = runStandIn(icloud, a, IcloudCommand.login(icloud.binary(), a), lines);
        assertThat(r.outcome()).as(lines.toString()).isEqualTo(Outcome.SUCCESS);
        assertThat(lines).anyMatch(l -> l.endsWith("Authentication completed successfully"));
    }

    /** As the real binary: SIGKILL of the first process leaves the worker running; the next start ends it. */
    @Test
    void sigkillOfTheLoaderOrphansTheWorkerAndTheNextStartKillsIt() throws Exception {
        IcloudStandIn icloud = new IcloudStandIn(tmp);
        Path lib = Files.createDirectories(icloud.user("t@example.com").resolve("library/2024/01/01"));
        Files.write(lib.resolve("a.jpg"), new byte[2000]);
        icloud.marker("t@example.com", "slow", "60");
        IcloudConfig.Account a = account("t@example.com", List.of());
        IcloudProcess p = new IcloudProcess(icloud.binary(), a, 5).env("FAKE_ICLOUD", icloud.root().toString());
        p.start(IcloudCommand.download(icloud.binary(), a), List.of("pw-standin-1"));
        p.closeStdin();
        long worker = workerPid(icloud);
        new ProcessBuilder("kill", "-KILL", String.valueOf(p.pid())).start().waitFor();
        Thread.sleep(1000);
        assertThat(ProcessHandle.of(worker).map(ProcessHandle::isAlive)).as("the worker outlives its loader").contains(true);
        try (var s = Files.list(a.tmpDir())) {
            assertThat(s.toList()).as("the unpacked files stay after SIGKILL").isNotEmpty();
        }

        IcloudProcess next = new IcloudProcess(icloud.binary(), a, 5).env("FAKE_ICLOUD", icloud.root().toString());
        icloud.clear("t@example.com", "slow");
        next.start(IcloudCommand.download(icloud.binary(), a), List.of("pw-standin-1"));
        next.closeStdin();
        RunResult r = next.await(new OutputClassifier(), "pw-standin-1", l -> { });
        ProcessHandle worker0 = ProcessHandle.of(worker).orElse(null);
        if (worker0 != null) {
            worker0.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertThat(ProcessHandle.of(worker).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
    }

    private static long workerPid(IcloudStandIn icloud) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            for (String l : icloud.invocations("t@example.com")) {
                if (l.contains(" start download ")) {
                    return Long.parseLong(l.replaceAll(".* worker=(\\d+).*", "$1"));
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the stand-in never started: " + icloud.invocations("t@example.com"));
    }

    /**
     * As getpass: with a controlling terminal the password is read from the terminal, not from stdin; only
     * without one (setsid, as IcloudProcess starts it) does the piped password arrive.
     */
    @Test
    void withATerminalThePasswordIsReadFromItNotFromStdin() throws Exception {
        IcloudStandIn icloud = new IcloudStandIn(tmp);
        icloud.user("t@example.com");
        String args = " --log-level info --password-provider console --username t@example.com --cookie-directory "
                + tmp.resolve("c") + " --auth-only";
        String withTerminal = script("echo pw-standin-1 | " + icloud.binary() + args, icloud);
        assertThat(icloud.ends("t@example.com", "auth-only")).singleElement().asString().contains("password=none");
        assertThat(withTerminal).contains("EOFError");
        String detached = script("echo pw-standin-1 | setsid -w " + icloud.binary() + args, icloud);
        assertThat(icloud.ends("t@example.com", "auth-only")).last().asString().contains("password=ok");
        assertThat(detached).contains("Authentication completed successfully");
    }

    /** Runs a shell command under script(1), i.e. with a pseudo-terminal as its controlling terminal. */
    private String script(String command, IcloudStandIn icloud) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("script", "-qec", command, "/dev/null").redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("FAKE_ICLOUD", icloud.root().toString());
        pb.environment().put("TMPDIR", Files.createDirectories(tmp.resolve("t")).toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return out;
    }
}
