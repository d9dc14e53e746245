package io.mediapipeline.icloud;

import io.mediapipeline.flow.FileStore;
import io.mediapipeline.icloud.IcloudSettings.Account;
import io.mediapipeline.icloud.IcloudStore.AccountState;
import io.mediapipeline.ops.Activity;
import io.mediapipeline.ops.Metrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The iCloud download (routes/05-download-icloud.camel.yaml). Each account runs at most one icloudpd
 * at a time. Before every start the gate is checked: "auth-needed" blocks until a code or a new
 * session arrives, a backoff blocks until its time, and the circuit breaker allows at most
 * max-attempts-per-hour starts in any 60 minutes. Afterwards the outcome sets the next step:
 * success resets; a failure or partial download retries with exponential backoff (bounded);
 * throttling backs off exponentially from throttle.initial-backoff-seconds; auth-needed waits for
 * the login page. Finished files are linked into inbox/icloud/ACCOUNT/ for the inbox route.
 */
public class IcloudDownloader {

    private static final Logger LOG = LoggerFactory.getLogger(IcloudDownloader.class);
    public static final String STAGE = "download-icloud";

    private final IcloudSettings cfg;
    private final IcloudStore store;
    private final Path inbox;
    private final Activity activity;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final Map<String, IcloudProcess> running = new ConcurrentHashMap<>();
    private final Map<String, String> lastSkip = new ConcurrentHashMap<>();
    private final Metrics metrics;
    private final Map<String, Long> circuitOpen = new ConcurrentHashMap<>();
    private volatile boolean stopped;

    public IcloudDownloader(IcloudSettings cfg, IcloudStore store, Path home, Activity activity) {
        this(cfg, store, home, activity, new Metrics());
    }

    public IcloudDownloader(IcloudSettings cfg, IcloudStore store, Path home, Activity activity, Metrics metrics) {
        this.cfg = cfg;
        this.store = store;
        this.inbox = home.resolve("inbox").resolve("icloud");
        this.activity = activity;
        this.metrics = metrics;
        for (Account a : cfg.accounts()) {
            locks.put(a.name(), new ReentrantLock());
        }
    }

    public IcloudSettings settings() {
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
                refreshCircuit(a);
                return circuitOpen.getOrDefault(a.name(), 0L);
            });
            refreshCircuit(a);
        }
    }

    /** Re-evaluates the breaker for the circuit-open gauge; keeps the last value when the ledger cannot answer. */
    private void refreshCircuit(Account a) {
        try {
            breaker(a, Instant.now());
        } catch (RuntimeException e) {
            // the ledger is closed or unreachable
        }
    }

    /** Start of `once`, and of the service: files a crash left un-handed are handed over. */
    public void startup(boolean runNow) {
        publishGauges();
        for (Account a : cfg.accounts()) {
            try {
                handOver(a);
            } catch (IOException e) {
                LOG.warn("iCloud {}: cannot hand over downloaded files: {}", a.name(), e.getMessage());
            }
            if (runNow) {
                attempt(a, "startup", false);
            }
        }
    }

    /** The retry timer: runs what is due (a retry after backoff, a download right after a login). */
    public void tick() {
        Instant now = Instant.now();
        for (LoginSession l : logins.values()) {
            if (now.isAfter(l.startedAt.plus(LOGIN_WAIT)) && logins.remove(l.account.name(), l)) {
                LOG.warn("iCloud {}: no code entered within {} minutes; the sign-in is abandoned", l.account.name(),
                        LOGIN_WAIT.toMinutes());
                l.process.stop();
                try {
                    l.reader.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                finishLogin(l);
            }
        }
        for (Account a : cfg.accounts()) {
            AccountState s = store.state(a.name());
            if (s.state().equals("auth-needed")) {
                Instant changed = SessionCookies.lastChange(a.cookieDir());
                if (changed != null && s.authNeededSince() != null && changed.isAfter(s.authNeededSince())
                        && !running.containsKey(a.name())) {
                    LOG.info("iCloud {}: a new session arrived in {}; downloads resume", a.name(), a.cookieDir());
                    store.log("info", "iCloud " + a.name() + ": new session found; downloads resume");
                    store.save(resume(s, now));
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
        if (logins.containsKey(a.name())) {
            return "a sign-in on the login page is waiting for its code";
        }
        if (s.state().equals("auth-needed")) {
            return "sign-in needed since " + s.authNeededSince() + "; enter the code on the login page";
        }
        // an explicit `once` may retry a failed run early, never a throttled one
        boolean explicit = kind.equals("startup") && !"throttled".equals(s.lastOutcome());
        if (s.state().equals("backing-off") && s.nextAttemptAt() != null && now.isBefore(s.nextAttemptAt()) && !explicit) {
            return "backing off after " + s.lastOutcome() + " until " + s.nextAttemptAt();
        }
        String limit = breaker(a, now);
        if (limit != null) {
            return limit;
        }
        return null;
    }

    /** The circuit breaker: at most max-attempts-per-hour starts in any 60 minutes. */
    private String breaker(Account a, Instant now) {
        int max = cfg.integer("max-attempts-per-hour");
        List<Instant> recent = store.attemptsSince(a.name(), now.minus(Duration.ofHours(1)));
        circuitOpen.put(a.name(), recent.size() >= max ? 1L : 0L);
        if (recent.size() >= max) {
            Instant reopens = recent.get(recent.size() - max).plus(Duration.ofHours(1));
            return "circuit open: " + recent.size() + " attempts in the last hour (max " + max + "), next not before " + reopens;
        }
        return null;
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
        IcloudProcess p = new IcloudProcess(cfg.binary(), a, cfg.integer("stop-grace-seconds"));
        running.put(a.name(), p);
        RunResult r;
        try {
            p.start(IcloudCommand.download(cfg.binary(), a), List.of(a.password()));
            p.closeStdin(); // an MFA prompt then ends at once instead of waiting for a code nobody sends
            r = p.await(new OutputClassifier(), a.password(), line -> LOG.info("[icloudpd {}] {}", a.name(), line),
                    Duration.ofMinutes(cfg.integer("run-timeout-minutes")));
        } catch (IOException e) {
            r = new RunResult(Outcome.FAILED, -1, "cannot start icloudpd: " + e.getMessage(), 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.stop();
            r = new RunResult(Outcome.STOPPED, -1, "interrupted", 0);
        } finally {
            running.remove(a.name());
        }
        int handed = 0;
        try {
            handed = handOver(a);
        } catch (IOException e) {
            LOG.warn("iCloud {}: cannot hand over downloaded files: {}", a.name(), e.getMessage());
        }
        store.finishAttempt(id, r);
        metrics.increment("icloud." + a.name() + ".outcome." + r.outcome().label());
        record(a, s, r, handed);
        refreshCircuit(a);
        return r;
    }

    /** Applies the outcome to the account's state and tells the operator. */
    private void record(Account a, AccountState s, RunResult r, int handed) {
        Instant now = Instant.now();
        Instant expires = SessionCookies.expiry(a.cookieDir());
        String next;
        AccountState n;
        switch (r.outcome()) {
            case SUCCESS -> {
                n = new AccountState(a.name(), "ready", 0, 0, null, r.outcome().label(), r.reason(), now, now, null, expires);
                next = "next run on schedule";
            }
            case THROTTLED -> {
                int t = s.throttles() + 1;
                Instant at = now.plus(backoff(cfg.integer("throttle.initial-backoff-seconds"),
                        cfg.integer("throttle.max-backoff-seconds"), t));
                n = new AccountState(a.name(), "backing-off", s.failures(), t, at, r.outcome().label(), r.reason(), now,
                        s.lastSuccessAt(), null, expires);
                next = "no attempt before " + at + " (throttled " + t + " time(s) in a row)";
            }
            case AUTH_NEEDED -> {
                n = new AccountState(a.name(), "auth-needed", s.failures(), s.throttles(), null, r.outcome().label(),
                        r.reason(), now, s.lastSuccessAt(), now, expires);
                next = "scheduled downloads stop until a code is entered on the login page ("
                        + cfg.loginHint() + ") or a new session arrives";
            }
            case BAD_ARGUMENTS -> {
                n = new AccountState(a.name(), "ready", s.failures() + 1, s.throttles(), null, r.outcome().label(),
                        r.reason(), now, s.lastSuccessAt(), null, expires);
                next = "fix the pipeline.source.icloud.* settings; no retry";
            }
            case STOPPED -> {
                n = new AccountState(a.name(), "ready", s.failures(), s.throttles(), now, r.outcome().label(), r.reason(),
                        now, s.lastSuccessAt(), null, expires);
                next = "runs again at the next start";
            }
            default -> { // PARTIAL, FAILED, UNKNOWN
                int f = s.failures() + 1;
                if (f <= cfg.integer("retry.max-attempts")) {
                    Instant at = now.plus(backoff(cfg.integer("retry.initial-delay-seconds"),
                            cfg.integer("retry.max-delay-seconds"), f));
                    n = new AccountState(a.name(), "backing-off", f, 0, at, r.outcome().label(), r.reason(), now,
                            r.outcome() == Outcome.PARTIAL ? now : s.lastSuccessAt(), null, expires);
                    next = "retry " + f + " of " + cfg.get("retry.max-attempts") + " at " + at;
                } else {
                    n = new AccountState(a.name(), "ready", 0, 0, null, r.outcome().label(), r.reason(), now,
                            s.lastSuccessAt(), null, expires);
                    next = "retries used up; next run on schedule";
                }
            }
        }
        store.save(n);
        String message = "iCloud " + a.name() + ": " + r.outcome().label() + " — " + r.reason() + "; "
                + handed + " new file(s) to ingest; " + next;
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
        if (days < cfg.integer("session-warn-days")) {
            String m = "iCloud " + a.name() + ": the session expires " + expires + " (in " + days
                    + " day(s)); sign in again on the login page before then";
            LOG.warn(m);
            store.log("warn", m);
        }
    }

    static Duration backoff(int initialSeconds, int maxSeconds, int n) {
        long s = (long) initialSeconds << Math.min(n - 1, 30);
        return Duration.ofSeconds(Math.min(s, maxSeconds));
    }

    private static AccountState resume(AccountState s, Instant now) {
        return new AccountState(s.account(), "ready", 0, 0, now, s.lastOutcome(), s.lastMessage(), s.lastAttemptAt(),
                s.lastSuccessAt(), null, s.sessionExpiresAt());
    }

    /**
     * Links each finished download (never *.part, never a dot-name) that was not handed over before into
     * inbox/icloud/ACCOUNT/ under the same relative path; icloudpd's own copy stays, so the next run knows
     * it has the file. Link first, then record: a crash in between only links again (skipped by ingest).
     */
    int handOver(Account a) throws IOException {
        Path root = a.downloadDir();
        if (!Files.isDirectory(root)) {
            return 0;
        }
        int n = 0;
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(Files::isRegularFile).filter(p -> {
                String name = p.getFileName().toString();
                return !name.endsWith(".part") && !name.startsWith(".");
            }).sorted().toList();
        }
        for (Path f : files) {
            String rel = root.relativize(f).toString();
            long size = Files.size(f);
            if (store.handedOver(a.name(), rel, size)) {
                continue;
            }
            // durable before the ledger says handed over; an older version still waiting under the same name is
            // left to the inbox, and this one is handed over by a later scan
            Path target = inbox.resolve(a.name()).resolve(rel);
            if (!FileStore.linkOrCopyNew(f, target) && !Files.isSameFile(f, target)) {
                continue;
            }
            store.recordHandover(a.name(), rel, size);
            n++;
        }
        if (n > 0 && activity != null) {
            activity.workHappened();
        }
        return n;
    }

    // ---- login (the web form) -----------------------------------------------------------------

    private final Map<String, LoginSession> logins = new ConcurrentHashMap<>();
    private static final Duration LOGIN_WAIT = Duration.ofMinutes(10);

    /** A login waiting for its code: icloudpd --auth-only at its MFA prompt, stdin still open. */
    private final class LoginSession {
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
    public String startLogin(String accountName) throws IOException, InterruptedException {
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
            String limit = breaker(a, Instant.now());
            if (limit != null) {
                return "Not now: " + limit + ".";
            }
            long id = store.startAttempt(a.name(), "login", Instant.now());
            IcloudProcess p = new IcloudProcess(cfg.binary(), a, cfg.integer("stop-grace-seconds"));
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
            session.reader.join(TimeUnit.SECONDS.toMillis(cfg.integer("stop-grace-seconds")));
            if (session.reader.isAlive()) {
                p.stop();
                session.reader.join(5000);
            }
            return finishLogin(session);
        } finally {
            lock.unlock();
        }
    }

    /** Step 2: the code goes to the waiting icloudpd's stdin; on success downloads resume at once. */
    public String submitCode(String accountName, String code) throws IOException, InterruptedException {
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
        return finishLogin(session);
    }

    private String finishLogin(LoginSession session) {
        Account a = session.account;
        RunResult r = session.result != null ? session.result
                : new RunResult(Outcome.FAILED, -1, "icloudpd did not finish", 0);
        store.finishAttempt(session.attemptId, r);
        metrics.increment("icloud." + a.name() + ".outcome." + r.outcome().label());
        refreshCircuit(a);
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

    public boolean waitingForCode(String account) {
        return logins.containsKey(account);
    }

    public List<AccountState> states() {
        return cfg.accounts().stream().map(a -> store.state(a.name())).toList();
    }

    /** Stops running icloudpd processes (Camel shutdown): SIGTERM to each group, SIGKILL after grace. */
    public void stop() {
        stopped = true;
        running.values().forEach(IcloudProcess::stop);
        logins.values().forEach(l -> l.process.stop());
    }
}
