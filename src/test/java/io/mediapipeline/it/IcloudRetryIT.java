package io.mediapipeline.it;

import static io.mediapipeline.it.IcloudDownloadIT.waitFor;
import static io.mediapipeline.support.PipelineHome.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.IcloudStandIn;
import io.mediapipeline.support.AppProcess;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two accounts in one service, checked independently: "flaky" fails every run (a crash after login), so it is
 * retried exactly retry.max-attempts times and then left to the schedule; "typo" has a flag icloudpd does not know,
 * a bad-arguments outcome that is never retried.
 */
class IcloudRetryIT {

    private static final String FLAKY = "flaky@example.com";
    private static final String TYPO = "typo@example.com";
    private static final int MAX_RETRIES = 2;

    @TempDir
    Path tmp;

    @Test
    void failedRunsAreRetriedRetryMaxAttemptsTimesAndBadArgumentsNever() throws Exception {
        IcloudStandIn icloud = new IcloudStandIn(tmp);
        icloud.marker(FLAKY, "crash", "");
        icloud.marker(TYPO, "password", "typo-secret");
        PipelineHome pipeline = icloud.pipeline(tmp, "flaky", FLAKY, "typo", TYPO)
                .set("pipeline.source.icloud.account.typo.extra-flags", "--skip-vidoes")
                .set("pipeline.source.icloud.retry.max-attempts", String.valueOf(MAX_RETRIES))
                .set("pipeline.source.icloud.retry.initial-delay-seconds", "1")
                .set("pipeline.source.icloud.retry.max-delay-seconds", "1")
                .set("pipeline.source.icloud.max-attempts-per-hour", "100");
        Path log = tmp.resolve("app.log");
        Process app = AppProcess.start(pipeline.config(), log, Map.of("FAKE_ICLOUD", icloud.root().toString(),
                "PIPELINE_SOURCE_ICLOUD_ACCOUNT_FLAKY_PASSWORD", "flaky-secret",
                "PIPELINE_SOURCE_ICLOUD_ACCOUNT_TYPO_PASSWORD", "typo-secret"));
        try {
            waitFor(app, log, 240, () -> read(log).contains("iCloud flaky: failed") && read(log).contains("retries used up"));
            waitFor(app, log, 30, () -> read(log).contains("iCloud typo: bad-arguments"));
            Thread.sleep(5000); // five more ticks of the retry timer, well past any backoff
            assertThat(icloud.startTimes(FLAKY, "download")).as("the first run and " + MAX_RETRIES + " retries")
                    .hasSize(1 + MAX_RETRIES);
        } finally {
            app.destroy();
            assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(read(log)).contains("retry 1 of 2", "retry 2 of 2", "retries used up; next run on schedule",
                "fix the pipeline.source.icloud.* settings; no retry");
        try (Database db = pipeline.openLedger()) {
            List<Map<String, Object>> attempts = query(db,
                    "select account, kind, outcome from icloud_attempts order by id");
            assertThat(attempts.stream().filter(a -> a.get("account").equals("flaky")).map(a -> a.get("kind") + " " + a.get("outcome")))
                    .containsExactly("startup failed", "retry failed", "retry failed");
            assertThat(attempts.stream().filter(a -> a.get("account").equals("typo")).map(a -> a.get("kind") + " " + a.get("outcome")))
                    .as("bad arguments: no retry").containsExactly("startup bad-arguments");
        }
    }

    private static String read(Path log) {
        try {
            return Files.isRegularFile(log) ? Files.readString(log) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
