package io.mediapipeline.icloud;

import io.mediapipeline.icloud.IcloudStore.AccountState;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.function.Predicate;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the download and the upload of one account share: the lock icloudpd runs under (its session files are
 * rewritten on every request, so nobody copies them meanwhile), and one budget: the sign-in state, the throttle
 * backoff and the hourly circuit breaker. Bound as "icloudAccounts" for the upload stage.
 */
public final class IcloudAccounts {

    /** Work done while no icloudpd runs for the account. */
    public interface Locked<T> {
        T run() throws IOException;
    }

    private final IcloudStore store;
    private final CircuitBreaker breaker;
    private final RetryPolicy policy;
    private final Map<String, ReentrantLock> locks;
    private final Predicate<String> waitingForCode;

    IcloudAccounts(IcloudStore store, CircuitBreaker breaker, RetryPolicy policy, Map<String, ReentrantLock> locks,
                   Predicate<String> waitingForCode) {
        this.store = store;
        this.breaker = breaker;
        this.policy = policy;
        this.locks = locks;
        this.waitingForCode = waitingForCode;
    }

    /**
     * Null when the account may be used now, else why not: a sign-in waiting for its code, "sign-in needed", a
     * backoff not over yet (unless {@code ignoreBackoff}: an explicit start may retry a failed run early), or the
     * hourly limit reached.
     */
    public String blocked(String account, Instant now) {
        return blocked(account, store.state(account), now, false);
    }

    String blocked(String account, AccountState s, Instant now, boolean ignoreBackoff) {
        if (waitingForCode.test(account)) {
            return "a sign-in on the dashboard is waiting for its code";
        }
        if (s.state().equals("auth-needed")) {
            return "sign-in needed since " + s.authNeededSince() + "; enter the code on the dashboard's sign-in page (/signin)";
        }
        if (s.state().equals("backing-off") && s.nextAttemptAt() != null && now.isBefore(s.nextAttemptAt())
                && !ignoreBackoff) {
            return "backing off after " + s.lastOutcome() + " until " + s.nextAttemptAt();
        }
        return breaker.check(account, now);
    }

    /** True when the account waits for a sign-in (the dashboard, doctor and the download show the same state). */
    public boolean authNeeded(String account) {
        return store.state(account).state().equals("auth-needed");
    }

    /**
     * Runs {@code work} holding the account's lock, or returns null at once when icloudpd runs for it (a download
     * or a sign-in, also one waiting for its code).
     */
    public <T> T whileIdle(String account, Locked<T> work) throws IOException {
        ReentrantLock lock = locks.get(account);
        if (lock == null || waitingForCode.test(account) || !lock.tryLock()) {
            return null;
        }
        try {
            return work.run();
        } finally {
            lock.unlock();
        }
    }

    /**
     * An upload batch starts and gets its attempt row; it counts in the hourly budget like an icloudpd start only
     * if it ends throttled or needing a sign-in (see {@link IcloudStore#attemptsSince}).
     */
    public long startUpload(String account) {
        return store.startAttempt(account, "upload", Instant.now());
    }

    /**
     * An upload batch ended. {@code outcome} is one of success, partial, failed, throttled, auth-needed, refused;
     * throttled backs the account off like a throttled download, auth-needed puts it into "sign-in needed".
     */
    public void finishUpload(long attemptId, String account, String outcome, int uploaded, String message) {
        store.finishUpload(attemptId, outcome, uploaded, message);
        apply(account, outcome, message);
    }

    /**
     * What the web services said about the account, outside a batch too (a proof look-up): "throttled" backs it off
     * like a throttled download, "auth-needed" puts it into "sign-in needed"; anything else changes nothing.
     */
    public void apply(String account, String outcome, String message) {
        Outcome applied = switch (outcome) {
            case "throttled" -> Outcome.THROTTLED;
            case "auth-needed" -> Outcome.AUTH_NEEDED;
            default -> null; // a good or failed batch leaves the download's retry state alone
        };
        if (applied != null) {
            AccountState s = store.state(account);
            RetryPolicy.Decision d = policy.after(account, s, new RunResult(applied, -1, message, 0), Instant.now(),
                    s.sessionExpiresAt());
            store.save(d.state());
            store.log(applied.level(), "iCloud " + account + ": upload " + outcome + " - " + message + "; " + d.next());
        }
        breaker.refresh(account);
    }
}
