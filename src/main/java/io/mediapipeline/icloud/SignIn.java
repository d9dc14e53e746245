package io.mediapipeline.icloud;

import io.mediapipeline.icloud.IcloudConfig.Account;
import io.mediapipeline.icloud.IcloudStore.AccountState;
import io.mediapipeline.ops.Metrics;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The login page's side: icloudpd --auth-only with the password on stdin, kept at its MFA prompt until the
 * code typed on the page reaches the same process's stdin. A sign-in counts against the circuit breaker
 * and holds the account's lock while it starts, so it never runs beside a download.
 */
final class SignIn {

    // one logger for the whole iCloud source, as the operator's log filters know it
    private static final Logger LOG = LoggerFactory.getLogger(IcloudDownloader.class);
    private static final Duration LOGIN_WAIT = Duration.ofMinutes(10);

    private final IcloudConfig cfg;
    private final IcloudStore store;
    private final Metrics metrics;
    private final CircuitBreaker breaker;
    private final Map<String, ReentrantLock> locks;
    private final Map<String, LoginSession> logins = new ConcurrentHashMap<>();

    SignIn(IcloudConfig cfg, IcloudStore store, Metrics metrics, CircuitBreaker breaker, Map<String, ReentrantLock> locks) {
        this.cfg = cfg;
        this.store = store;
        this.metrics = metrics;
        this.breaker = breaker;
        this.locks = locks;
    }

    /** A login waiting for its code: icloudpd --auth-only at its MFA prompt, stdin still open. */
    private static final class LoginSession {
        final Account account;
        final IcloudProcess process;
        final OutputClassifier classifier = OutputClassifier.forSignIn();
        final long attemptId;
        final Instant startedAt = Instant.now();
        volatile boolean mfaPrompted;
        volatile RunResult result;
        final Thread reader;

        LoginSession(Account account, IcloudProcess process, long attemptId) {
            this.account = account;
            this.process = process;
            this.attemptId = attemptId;
            this.reader = new Thread(() -> {
                try {
                    result = process.await(classifier, account.password(), line -> {
                        if (line.contains("authentication is required")) {
                            mfaPrompted = true;
                        }
                        LOG.info("[icloudpd {} login] {}", account.name(), line);
                    });
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "icloud-login-" + account.name());
            reader.setDaemon(true);
        }
    }

    /**
     * Step 1 of the login page: starts icloudpd --auth-only with the password on stdin and waits until
     * it asks for the code (Apple has then sent it to the trusted devices) or ends (no code needed).
     */
    String start(String accountName) throws IOException, InterruptedException {
        Account a = cfg.account(accountName);
        ReentrantLock lock = locks.get(a.name());
        if (!lock.tryLock(5, TimeUnit.SECONDS)) {
            return "A download for " + a.name() + " is running; try again when it has finished.";
        }
        try {
            LoginSession old = logins.remove(a.name());
            if (old != null) {
                old.process.stop();
            }
            String limit = breaker.check(a.name(), Instant.now());
            if (limit != null) {
                return "Not now: " + limit + ".";
            }
            long id = store.startAttempt(a.name(), "login", Instant.now());
            IcloudProcess p = new IcloudProcess(cfg.binary(), a, cfg.stopGraceSeconds());
            LoginSession session = new LoginSession(a, p, id);
            p.start(IcloudCommand.login(cfg.binary(), a), List.of(a.password()));
            session.reader.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!session.mfaPrompted && session.reader.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            if (session.mfaPrompted && session.reader.isAlive()) {
                logins.put(a.name(), session);
                return null; // waiting for the code
            }
            session.reader.join(TimeUnit.SECONDS.toMillis(cfg.stopGraceSeconds()));
            if (session.reader.isAlive()) {
                p.stop();
                session.reader.join(5000);
            }
            return finish(session);
        } finally {
            lock.unlock();
        }
    }

    /** Step 2: the code goes to the waiting icloudpd's stdin; on success downloads resume at once. */
    String submitCode(String accountName, String code) throws IOException, InterruptedException {
        LoginSession session = logins.remove(accountName);
        if (session == null) {
            return "No sign-in is waiting for a code for " + accountName + "; start again.";
        }
        session.process.write(code);
        session.process.closeStdin();
        session.reader.join(TimeUnit.SECONDS.toMillis(90));
        if (session.reader.isAlive()) {
            session.process.stop();
            session.reader.join(5000);
        }
        return finish(session);
    }

    /** Sign-ins nobody finished within ten minutes are ended; false when interrupted. */
    boolean abandonStale(Instant now) {
        for (LoginSession l : logins.values()) {
            if (now.isAfter(l.startedAt.plus(LOGIN_WAIT)) && logins.remove(l.account.name(), l)) {
                LOG.warn("iCloud {}: no code entered within {} minutes; the sign-in is abandoned", l.account.name(),
                        LOGIN_WAIT.toMinutes());
                l.process.stop();
                try {
                    l.reader.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                finish(l);
            }
        }
        return true;
    }

    boolean waitingForCode(String account) {
        return logins.containsKey(account);
    }

    /** Stops every icloudpd waiting for a code (SIGTERM to its group, SIGKILL after the grace). */
    void stopAll() {
        logins.values().forEach(l -> l.process.stop());
    }

    private String finish(LoginSession session) {
        Account a = session.account;
        RunResult r = session.result != null ? session.result
                : new RunResult(Outcome.FAILED, -1, "icloudpd did not finish", 0);
        store.finishAttempt(session.attemptId, r);
        metrics.increment("icloud." + a.name() + ".outcome." + r.outcome().label());
        breaker.refresh(a.name());
        Instant now = Instant.now();
        AccountState s = store.state(a.name());
        if (r.outcome() == Outcome.SUCCESS) {
            Instant expires = SessionCookies.expiry(a.cookieDir());
            store.save(new AccountState(a.name(), "ready", 0, 0, now, "login", "signed in", s.lastAttemptAt(),
                    s.lastSuccessAt(), null, expires));
            String m = "iCloud " + a.name() + ": signed in; downloads resume"
                    + (expires != null ? " (session valid until " + expires + ")" : "");
            LOG.info(m);
            store.log("info", m);
            return null;
        }
        String m = "iCloud " + a.name() + ": sign-in failed: " + r.outcome().label() + " — " + r.reason();
        LOG.warn(m);
        store.log("warn", m);
        return "Sign-in failed: " + r.reason();
    }
}
