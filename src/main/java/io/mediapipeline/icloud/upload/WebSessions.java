package io.mediapipeline.icloud.upload;

import io.mediapipeline.icloud.IcloudAccounts;
import io.mediapipeline.icloud.IcloudConfig.Account;
import io.mediapipeline.icloud.web.IcloudWebException;
import io.mediapipeline.icloud.web.IcloudWebException.Kind;
import io.mediapipeline.icloud.web.PhotosWeb;
import io.mediapipeline.icloud.web.PhotosWebLogin;
import io.mediapipeline.icloud.web.SessionCopy;
import io.mediapipeline.proc.PrivateDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One signed-in {@link PhotosWeb} per account, made when first needed and reused (signing in again and again is
 * what makes Apple revoke consent). It works on the uploader's own copy of icloudpd's session, refreshed from
 * icloudpd's before each sign-in, and only while no icloudpd runs for the account. For the same reason a failed
 * sign-in is not repeated at every poll: it waits, doubling, and an account the service refused (Advanced Data
 * Protection, no upload service) stays refused until icloudpd's session files change.
 */
final class WebSessions implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WebSessions.class);
    static final Duration FIRST_PAUSE = Duration.ofMinutes(1);
    static final Duration LONGEST_PAUSE = Duration.ofHours(6);

    /** Copies icloudpd's session into the uploader's folder when icloudpd's is newer; true if copied. */
    interface SessionRefresh {
        boolean refresh(Path icloudpdCookieDir, Path ownDir, String username) throws IOException;
    }

    private record Refusal(String message, String sessionStamp) {
    }

    private record Pause(int failures, Instant until, String why) {
    }

    private final UploadConfig cfg;
    private final Map<String, Account> accounts;
    private final IcloudAccounts shared;
    private final PhotosWebLogin login;
    private final SessionRefresh refresh;
    private final Map<String, PhotosWeb> open = new ConcurrentHashMap<>();
    private final Map<String, Refusal> refused = new ConcurrentHashMap<>();
    private final Map<String, Pause> paused = new ConcurrentHashMap<>();

    WebSessions(UploadConfig cfg, List<Account> accounts, IcloudAccounts shared, PhotosWebLogin login,
                SessionRefresh refresh) {
        this.cfg = cfg;
        this.accounts = accounts.stream().collect(Collectors.toMap(Account::name, Function.identity()));
        this.shared = shared;
        this.login = login;
        this.refresh = refresh;
    }

    /**
     * The account's client, signed in now if it was not; null when icloudpd runs for the account right now (its
     * session files are being rewritten: try again later) or when {@link #waiting} says no. A failed sign-in is
     * thrown and remembered: a refusal until the session changes, anything else (but a throttle, which the
     * account's shared backoff handles) as a doubling pause.
     */
    synchronized PhotosWeb client(String account) throws IcloudWebException, IOException {
        PhotosWeb web = open.get(account);
        if (web != null) {
            return web;
        }
        if (waiting(account, Instant.now()) != null) {
            return null;
        }
        Boolean copied = copy(account);
        if (copied == null) {
            return null;
        }
        web = signIn(account);
        open.put(account, web);
        return web;
    }

    /**
     * The service said the session in use expired. icloudpd rewrites its session on every run, so the uploader's
     * copy may be stale while icloudpd's is good: the copy is refreshed and, if icloudpd's was newer, signed in
     * with once more. False only when the household really has to sign in again.
     */
    synchronized boolean renewed(String account) {
        drop(account);
        try {
            Boolean copied = copy(account);
            if (copied == null) {
                return true; // icloudpd runs now: the next sign-in uses what it leaves
            }
            if (!copied) {
                return false; // the copy is icloudpd's latest and it was refused
            }
            open.put(account, signIn(account));
            LOG.info("iCloud {}: the uploader's session copy had expired; signed in with icloudpd's newer one", account);
            return true;
        } catch (IcloudWebException e) {
            return e.kind() != Kind.AUTH_EXPIRED;
        } catch (IOException e) {
            LOG.warn("iCloud {}: cannot refresh the uploader's session copy: {}", account, e.getMessage());
            return true;
        }
    }

    /** Null when the account may sign in now, else why not (refused, or a failed sign-in's pause not over). */
    String waiting(String account, Instant now) {
        Refusal r = refused.get(account);
        if (r != null) {
            if (r.sessionStamp().equals(stamp(account))) {
                return "uploads refused: " + r.message();
            }
            refused.remove(account, r); // icloudpd signed in again since: the account may have changed
        }
        Pause p = paused.get(account);
        if (p != null && now.isBefore(p.until())) {
            return "sign-in failed " + p.failures() + " time(s) in a row (" + p.why() + "); next try after " + p.until();
        }
        return null;
    }

    /** Remembers that the service refused the account's uploads; true when it was not refused already. */
    boolean refuse(String account, String message) {
        drop(account);
        return refused.put(account, new Refusal(message, stamp(account))) == null;
    }

    boolean refused(String account) {
        return waiting(account, Instant.now()) != null && refused.containsKey(account);
    }

    private Boolean copy(String account) throws IOException {
        Account a = accounts.get(account);
        Path own = cfg.sessionDir(account);
        return shared.whileIdle(account, () -> {
            PrivateDir.create(own);
            return refresh.refresh(a.cookieDir(), own, a.username());
        });
    }

    private PhotosWeb signIn(String account) throws IcloudWebException, IOException {
        try {
            PhotosWeb web = login.signIn(cfg.sessionDir(account), accounts.get(account).username());
            paused.remove(account);
            return web;
        } catch (IcloudWebException e) {
            switch (e.kind()) {
                case ADP_REQUIRED, UNAVAILABLE -> refuse(account, e.getMessage());
                case RETRYABLE, REJECTED -> pause(account, e.getMessage());
                default -> {
                    // a throttle backs the account off for download and upload alike; an expired session waits
                    // for the household's sign-in: both are the account's shared state, not this pause
                }
            }
            throw e;
        }
    }

    private void pause(String account, String why) {
        paused.compute(account, (k, p) -> {
            int failures = p == null ? 1 : p.failures() + 1;
            long factor = 1L << Math.min(failures - 1, 20);
            Duration wait = FIRST_PAUSE.multipliedBy(factor);
            wait = wait.compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : wait;
            return new Pause(failures, Instant.now().plus(wait), why);
        });
    }

    /** When icloudpd's session files last changed: a refusal holds until they do. */
    private String stamp(String account) {
        Account a = accounts.get(account);
        String name = SessionCopy.fileName(a.username());
        StringBuilder s = new StringBuilder();
        for (Path f : List.of(a.cookieDir().resolve(name), a.cookieDir().resolve(name + ".session"))) {
            try {
                s.append(Files.getLastModifiedTime(f).toMillis());
            } catch (IOException e) {
                s.append("none");
            }
            s.append('/');
        }
        return s.toString();
    }

    /** Forgets the account's client (its session failed): the next use refreshes the copy and signs in again. */
    void drop(String account) {
        PhotosWeb web = open.remove(account);
        if (web != null) {
            web.close();
        }
    }

    @Override
    public void close() {
        open.keySet().forEach(this::drop);
    }
}
