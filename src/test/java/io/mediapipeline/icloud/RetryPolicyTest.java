package io.mediapipeline.icloud;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.icloud.IcloudConfig.Backoff;
import io.mediapipeline.icloud.IcloudStore.AccountState;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What each outcome means for the account's next attempt, without icloudpd or a ledger. */
class RetryPolicyTest {

    private static final Instant NOW = Instant.parse("2026-12-01T03:00:00Z");
    private static final Instant EARLIER = NOW.minus(Duration.ofDays(1));

    private final RetryPolicy policy = new RetryPolicy(new IcloudConfig(true, List.of(), null, null, ZoneOffset.UTC,
            false, 3, 2, new Backoff(300, 3600), new Backoff(3600, 86400), 20, Duration.ofHours(12), 14, "the sign-in page"));

    private static AccountState state(int failures, int throttles) {
        return new AccountState("anna", "ready", failures, throttles, null, null, null, EARLIER, EARLIER, null, null);
    }

    private RetryPolicy.Decision after(AccountState s, Outcome outcome) {
        return policy.after("anna", s, new RunResult(outcome, 0, "why", 0), NOW, null);
    }

    @Test
    void successResetsEverything() {
        RetryPolicy.Decision d = after(state(2, 1), Outcome.SUCCESS);
        assertThat(d.state().state()).isEqualTo("ready");
        assertThat(d.state().failures()).isZero();
        assertThat(d.state().throttles()).isZero();
        assertThat(d.state().lastSuccessAt()).isEqualTo(NOW);
        assertThat(d.next()).isEqualTo("next run on schedule");
    }

    @Test
    void failuresBackOffExponentiallyUntilTheRetriesAreUsedUp() {
        RetryPolicy.Decision first = after(state(0, 0), Outcome.FAILED);
        assertThat(first.state().state()).isEqualTo("backing-off");
        assertThat(first.state().nextAttemptAt()).isEqualTo(NOW.plusSeconds(300));
        assertThat(first.next()).startsWith("retry 1 of 2 at ");
        assertThat(after(state(1, 0), Outcome.UNKNOWN).state().nextAttemptAt()).isEqualTo(NOW.plusSeconds(600));
        RetryPolicy.Decision spent = after(state(2, 0), Outcome.FAILED);
        assertThat(spent.state().state()).isEqualTo("ready");
        assertThat(spent.state().nextAttemptAt()).isNull();
        assertThat(spent.next()).isEqualTo("retries used up; next run on schedule");
    }

    @Test
    void aPartialRunCountsAsProgressButIsRetried() {
        RetryPolicy.Decision d = after(state(0, 0), Outcome.PARTIAL);
        assertThat(d.state().state()).isEqualTo("backing-off");
        assertThat(d.state().lastSuccessAt()).isEqualTo(NOW);
    }

    @Test
    void throttlingBacksOffFromItsOwnStartAndKeepsTheFailures() {
        RetryPolicy.Decision d = after(state(1, 1), Outcome.THROTTLED);
        assertThat(d.state().throttles()).isEqualTo(2);
        assertThat(d.state().failures()).isEqualTo(1);
        assertThat(d.state().nextAttemptAt()).isEqualTo(NOW.plusSeconds(7200));
        assertThat(d.next()).contains("throttled 2 time(s) in a row");
    }

    @Test
    void authNeededWaitsForTheLoginPageAndBadArgumentsForTheSettings() {
        RetryPolicy.Decision auth = after(state(0, 0), Outcome.AUTH_NEEDED);
        assertThat(auth.state().state()).isEqualTo("auth-needed");
        assertThat(auth.state().authNeededSince()).isEqualTo(NOW);
        assertThat(auth.state().nextAttemptAt()).isNull();
        assertThat(auth.next()).contains("code is entered on the sign-in page");
        RetryPolicy.Decision bad = after(state(0, 0), Outcome.BAD_ARGUMENTS);
        assertThat(bad.state().nextAttemptAt()).isNull();
        assertThat(bad.next()).isEqualTo("fix the pipeline.source.icloud.* settings; no retry");
    }

    @Test
    void aStoppedRunIsDueAgainAtTheNextStart() {
        RetryPolicy.Decision d = after(state(1, 0), Outcome.STOPPED);
        assertThat(d.state().state()).isEqualTo("ready");
        assertThat(d.state().nextAttemptAt()).isEqualTo(NOW);
        assertThat(d.state().failures()).isEqualTo(1);
    }
}
