package io.mediapipeline.icloud;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.support.IcloudStandIn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IcloudProcess with the stand-in: a hung run is stopped by the run timeout (failed, or partial when it downloaded
 * something); bad arguments are read from stdout.
 */
class StandInProcessTest {

    @TempDir
    Path tmp;

    private IcloudSettings.Account account(String user, List<String> extra) {
        return new IcloudSettings.Account("t", user, "pw-standin-1", tmp.resolve("state/cookies/t"),
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
        IcloudSettings.Account a = account("t@example.com", List.of());
        IcloudProcess p = new IcloudProcess(icloud.binary(), a, 5).env("FAKE_ICLOUD", icloud.root().toString());
        p.start(IcloudCommand.download(icloud.binary(), a), List.of("pw-standin-1"));
        p.closeStdin();
        return p.await(new OutputClassifier(), "pw-standin-1", l -> { }, timeout);
    }

    @Test
    void badArgumentsExitZeroAndAreRecognised() throws Exception {
        IcloudStandIn icloud = new IcloudStandIn(tmp);
        IcloudSettings.Account a = account("t@example.com", List.of("--bogus-flag"));
        IcloudProcess p = new IcloudProcess(icloud.binary(), a, 5).env("FAKE_ICLOUD", icloud.root().toString());
        p.start(IcloudCommand.download(icloud.binary(), a), List.of("pw-standin-1"));
        p.closeStdin();
        List<String> lines = new ArrayList<>();
        RunResult r = p.await(new OutputClassifier(), "pw-standin-1", lines::add);
        assertThat(r.exitCode()).isZero();
        assertThat(r.outcome()).as(lines.toString()).isEqualTo(Outcome.BAD_ARGUMENTS);
        assertThat(r.reason()).contains("unrecognized arguments: --bogus-flag");
    }
}
