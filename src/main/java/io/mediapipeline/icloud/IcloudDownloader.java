package io.mediapipeline.icloud;

import io.mediapipeline.icloud.IcloudConfig.Account;
import io.mediapipeline.icloud.IcloudStore.AccountState;
import io.mediapipeline.ops.Activity;
import io.mediapipeline.ops.Metrics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The iCloud download (routes/05-download-icloud.camel.yaml). Each account runs at most one icloudpd
 * at a time. Before every start the gate is checked: "auth-needed" blocks until a code or a new
 * session arrives, a backoff blocks until its time, and the circuit breaker allows at most
 * max-attempts-per-hour starts in any 60 minutes. Afterwards {@link RetryPolicy} sets the next step from
 * the outcome, and finished files are linked into inbox/icloud/ACCOUNT/ for the inbox route.
 */
public class IcloudDownloader {

    private static final Logger LOG = LoggerFactory.getLogger(IcloudDownloader.class);
    public static final String STAGE = "download-icloud";

    private final IcloudConfig cfg;
    private final IcloudStore store;
    private final Metrics metrics;
    private final CircuitBreaker breaker;
    private final RetryPolicy policy;
    private final InboxHandover handover;
    private final SignIn signIn;
    private final IcloudAccounts accounts;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final Map<String, IcloudProcess> running = new ConcurrentHashMap<>();
    private final Map<String, String> lastSkip = new ConcurrentHashMap<>();
    private volatile boolean stopped;

    public IcloudDownloader(IcloudConfig cfg, IcloudStore store, Path home, Activity activity) {
        this(cfg, store, home, activity, new Metrics());
    }

    public IcloudDownloader(IcloudConfig cfg, IcloudStore store, Path home, Activity activity, Metrics metrics) {
        this.cfg = cfg;
        this.store = store;
        this.metrics = metrics;
        this.breaker = new CircuitBreaker(store, cfg.maxAttemptsPerHour());
        this.policy = new RetryPolicy(cfg);
        this.handover = new InboxHandover(store, home, activity);
        for (Account a : cfg.accounts()) {
            locks.put(a.name(), new ReentrantLock());
        }
        this.signIn = new SignIn(cfg, store, metrics, breaker, locks);
        this.accounts = new IcloudAccounts(store, breaker, policy, locks, signIn::waitingForCode);
    }

    /** The lock and budget the upload of the same accounts shares with this download. */
    public IcloudAccounts accounts() {
        return accounts;
    }

    public IcloudConfig settings() {
        return cfg;
    }

    /** The cron trigger: every account gets a download unless its gate says no. */
    public void scheduled() {
        for (Account a : cfg.accounts()) {
            attempt(a, "scheduled", false);
        }
    }

    /**
     * Per account: icloud.ACCOUNT.session-days-left (whole days until the session cookie expires, read from
     * the cookie jar at every read; absent without a session) and icloud.ACCOUNT.circuit-open (1 while the
     * hourly limit of icloudpd starts is reached; the last value seen when the ledger cannot be asked).
     */
    void publishGauges() {
        for (Account a : cfg.accounts()) {
            metrics.gauge("icloud." + a.name() + ".session-days-left", () -> {
                Instant expires = SessionCookies.expiry(a.cookieDir());
                return expires == null ? null : Duration.between(Instant.now(), expires).toDays();
            });
            metrics.gauge("icloud." + a.name() + ".circuit-open", () -> {
                breaker.refresh(a.name());
                return breaker.open(a.name());
            });
            breaker.refresh(a.name());
        }
    }

    /** Start of `once`, and of the service: files a crash left un-handed are handed over. */
    public void startup(boolean runNow) {
        publishGauges();
        for (Account a : cfg.accounts()) {
            handOver(a);
            if (runNow) {
                attempt(a, "startup", false);
            }
        }
    }

    /** The retry timer: runs what is due (a retry after backoff, a download right after a login). */
    public void tick() {
        Instant now = Instant.now();
        if (!signIn.abandonStale(now)) {
            return;
        }
        for (Account a : cfg.accounts()) {
            AccountState s = store.state(a.name());
            if (s.state().equals("auth-needed")) {
                Instant changed = SessionCookies.lastChange(a.cookieDir());
                if (changed != null && s.authNeededSince() != null && changed.isAfter(s.authNeededSince())
                        && !running.containsKey(a.name())) {
                    LOG.info("iCloud {}: a new session arrived in {}; downloads resume", a.name(), a.cookieDir());
                    store.log("info", "iCloud " + a.name() + ": new session found; downloads resume");
                    store.save(RetryPolicy.resume(s, now));
                    attempt(a, "retry", false);
                }
                continue;
            }
            if (s.nextAttemptAt() != null && !now.isBefore(s.nextAttemptAt())) {
                attempt(a, "retry", false);
            }
        }
    }

    /** Runs one download if the gate allows; returns the result, or null when it did not start. */
    RunResult attempt(Account a, String kind, boolean wait) {
        ReentrantLock lock = locks.get(a.name());
        if (stopped || !lock.tryLock()) {
            return null;
        }
        try {
            Instant now = Instant.now();
            AccountState s = store.state(a.name());
            String blocked = gate(a, s, now, kind);
            if (blocked != null) {
                skip(a, blocked);
                return null;
            }
            lastSkip.remove(a.name());
            return run(a, kind, s, now);
        } finally {
            lock.unlock();
        }
    }

    /** Null when an attempt may start now, else why not. */
    private String gate(Account a, AccountState s, Instant now, String kind) {
        // an explicit `once` may retry a failed run early, never a throttled one
        boolean explicit = kind.equals("startup") && !"throttled".equals(s.lastOutcome());
        return accounts.blocked(a.name(), s, now, explicit);
    }

    private void skip(Account a, String why) {
        // log each distinct reason once, not on every trigger
        if (!why.equals(lastSkip.put(a.name(), why))) {
            String stable = why.replaceAll(" until .*| next not before .*", "");
            LOG.info("iCloud {}: not downloading now: {}", a.name(), why);
            if (!stable.equals(lastSkip.get(a.name() + "#logged"))) {
                lastSkip.put(a.name() + "#logged", stable);
                store.log("info", "iCloud " + a.name() + ": attempt skipped: " + why);
            }
        }
    }

    private RunResult run(Account a, String kind, AccountState s, Instant now) {
        long id = store.startAttempt(a.name(), kind, now);
        LOG.info("iCloud {}: downloading ({}) into {}", a.name(), kind, a.downloadDir());
        IcloudProcess p = new IcloudProcess(cfg.binary(), a, cfg.stopGraceSeconds());
        running.put(a.name(), p);
        RunResult r;
        try {
            p.start(IcloudCommand.download(cfg.binary(), a), List.of(a.password()));
            p.closeStdin(); // an MFA prompt then ends at once instead of waiting for a code nobody sends
            r = p.await(new OutputClassifier(), a.password(), line -> LOG.info("[icloudpd {}] {}", a.name(), line),
                    cfg.runTimeout());
        } catch (IOException e) {
            r = new RunResult(Outcome.FAILED, -1, "cannot start icloudpd: " + e.getMessage(), 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.stop();
            r = new RunResult(Outcome.STOPPED, -1, "interrupted", 0);
        } finally {
            running.remove(a.name());
        }
        int handed = handOver(a);
        store.finishAttempt(id, r);
        metrics.increment("icloud." + a.name() + ".outcome." + r.outcome().label());
        record(a, s, r, handed);
        breaker.refresh(a.name());
        return r;
    }

    /** Hands over what icloudpd finished; a failure is logged and the files wait for the next scan. */
    private int handOver(Account a) {
        try {
            return handover.handOver(a);
        } catch (IOException e) {
            LOG.warn("iCloud {}: cannot hand over downloaded files: {}", a.name(), e.getMessage());
            return 0;
        }
    }

    /** Applies the outcome to the account's state and tells the operator. */
    private void record(Account a, AccountState s, RunResult r, int handed) {
        Instant expires = SessionCookies.expiry(a.cookieDir());
        RetryPolicy.Decision d = policy.after(a.name(), s, r, Instant.now(), expires);
        store.save(d.state());
        String message = "iCloud " + a.name() + ": " + r.outcome().label() + " — " + r.reason() + "; "
                + handed + " new file(s) to ingest; " + d.next();
        store.log(r.outcome().level(), message);
        switch (r.outcome().level()) {
            case "error" -> LOG.error(message);
            case "warn" -> LOG.warn(message);
            default -> LOG.info(message);
        }
        warnExpiry(a, expires);
    }

    private void warnExpiry(Account a, Instant expires) {
        if (expires == null) {
            return;
        }
        long days = Duration.between(Instant.now(), expires).toDays();
        if (days < cfg.sessionWarnDays()) {
            String m = "iCloud " + a.name() + ": the session expires " + expires + " (in " + days
                    + " day(s)); sign in again on " + cfg.loginHint() + " before then";
            LOG.warn(m);
            store.log("warn", m);
        }
    }

    /** Step 1 of the sign-in (see {@link SignIn}): null when the code is awaited or none was needed. */
    public String startLogin(String accountName) throws IOException, InterruptedException {
        return signIn.start(accountName);
    }

    /** Step 2 of the sign-in: null when signed in, else what went wrong. */
    public String submitCode(String accountName, String code) throws IOException, InterruptedException {
        return signIn.submitCode(accountName, code);
    }

    /**
     * The dashboard's sign-in (route icloud-sign-in): {@code request-code} starts icloudpd --auth-only (Apple sends a
     * code to the trusted devices), {@code submit-code} passes the code to that icloudpd's stdin. Answers
     * {@code outcome} (waiting-for-code, signed-in, bad-code, wrong-code, not-waiting, unknown-account, failed) and
     * a {@code message} for the page; the code itself is never logged nor returned.
     */
    public Map<String, String> signIn(@Header("account") String account, @Header("action") String action,
                                      @Header("code") String code) throws IOException, InterruptedException {
        if (account == null || cfg.accounts().stream().noneMatch(a -> a.name().equals(account))) {
            return Map.of("outcome", "unknown-account", "message", "There is no iCloud account of that name.");
        }
        if ("request-code".equals(action)) {
            String err = startLogin(account);
            if (err != null) {
                return Map.of("outcome", "failed", "message", err);
            }
            return waitingForCode(account)
                    ? Map.of("outcome", "waiting-for-code", "message", "Apple sent a code to the trusted devices of "
                            + account + "; enter it below.")
                    : Map.of("outcome", "signed-in", "message", "Signed in without a code; downloads resume.");
        }
        if (!"submit-code".equals(action)) {
            return Map.of("outcome", "failed", "message", "Unknown sign-in action.");
        }
        String c = code == null ? "" : code.strip();
        if (!c.matches("[0-9]{6}")) {
            return Map.of("outcome", "bad-code", "message", "The code has six digits.");
        }
        if (!waitingForCode(account)) {
            return Map.of("outcome", "not-waiting", "message", "No sign-in of " + account
                    + " is waiting for a code; press \"Send code\" first.");
        }
        String err = submitCode(account, c);
        if (err == null) {
            return Map.of("outcome", "signed-in", "message", "Code accepted: " + account + " is signed in; downloads resume.");
        }
        // after a code, still asked for one (or told it failed to verify): Apple did not take that code
        return err.toLowerCase(java.util.Locale.ROOT).contains("two-factor")
                ? Map.of("outcome", "wrong-code", "message", "Apple did not accept that code; send a new one and try again.")
                : Map.of("outcome", "failed", "message", err);
    }

    public boolean waitingForCode(String account) {
        return signIn.waitingForCode(account);
    }

    public List<AccountState> states() {
        return cfg.accounts().stream().map(a -> store.state(a.name())).toList();
    }

    /** Stops running icloudpd processes (Camel shutdown): SIGTERM to each group, SIGKILL after grace. */
    public void stop() {
        stopped = true;
        running.values().forEach(IcloudProcess::stop);
        signIn.stopAll();
    }
}
