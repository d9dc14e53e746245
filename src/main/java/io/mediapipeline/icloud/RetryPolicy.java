package io.mediapipeline.icloud;

import io.mediapipeline.icloud.IcloudStore.AccountState;
import java.time.Instant;

/**
 * What a run's outcome means for its account: success resets; a failure, partial or unknown run retries with
 * exponential backoff (bounded); throttling backs off from throttle.initial-backoff-seconds; auth-needed waits
 * for a sign-in on the dashboard; bad arguments wait for the settings to be fixed. Pure, so each rule can be read alone.
 */
final class RetryPolicy {

    /** The account's next state and the next step as the operator is told it. */
    record Decision(AccountState state, String next) {
    }

    private final IcloudConfig cfg;

    RetryPolicy(IcloudConfig cfg) {
        this.cfg = cfg;
    }

    Decision after(String account, AccountState s, RunResult r, Instant now, Instant expires) {
        String outcome = r.outcome().label();
        return switch (r.outcome()) {
            case SUCCESS -> new Decision(new AccountState(account, "ready", 0, 0, null, outcome, r.reason(), now, now,
                    null, expires), "next run on schedule");
            case THROTTLED -> {
                int t = s.throttles() + 1;
                Instant at = now.plus(cfg.throttle().after(t));
                yield new Decision(new AccountState(account, "backing-off", s.failures(), t, at, outcome, r.reason(), now,
                        s.lastSuccessAt(), null, expires), "no attempt before " + at + " (throttled " + t + " time(s) in a row)");
            }
            case AUTH_NEEDED -> new Decision(new AccountState(account, "auth-needed", s.failures(), s.throttles(), null,
                    outcome, r.reason(), now, s.lastSuccessAt(), now, expires),
                    "scheduled downloads stop until a code is entered on " + cfg.loginHint()
                            + " or a new session arrives");
            case BAD_ARGUMENTS -> new Decision(new AccountState(account, "ready", s.failures() + 1, s.throttles(), null,
                    outcome, r.reason(), now, s.lastSuccessAt(), null, expires),
                    "fix the pipeline.source.icloud.* settings; no retry");
            case STOPPED -> new Decision(new AccountState(account, "ready", s.failures(), s.throttles(), now, outcome,
                    r.reason(), now, s.lastSuccessAt(), null, expires), "runs again at the next start");
            default -> retry(account, s, r, now, expires); // PARTIAL, FAILED, UNKNOWN
        };
    }

    private Decision retry(String account, AccountState s, RunResult r, Instant now, Instant expires) {
        int f = s.failures() + 1;
        if (f <= cfg.retryMaxAttempts()) {
            Instant at = now.plus(cfg.retry().after(f));
            return new Decision(new AccountState(account, "backing-off", f, 0, at, r.outcome().label(), r.reason(), now,
                    r.outcome() == Outcome.PARTIAL ? now : s.lastSuccessAt(), null, expires),
                    "retry " + f + " of " + cfg.retryMaxAttempts() + " at " + at);
        }
        return new Decision(new AccountState(account, "ready", 0, 0, null, r.outcome().label(), r.reason(), now,
                s.lastSuccessAt(), null, expires), "retries used up; next run on schedule");
    }

    /** A new session ended the wait for a sign-in: the account is due at once, with a clean slate. */
    static AccountState resume(AccountState s, Instant now) {
        return new AccountState(s.account(), "ready", 0, 0, now, s.lastOutcome(), s.lastMessage(), s.lastAttemptAt(),
                s.lastSuccessAt(), null, s.sessionExpiresAt());
    }
}
