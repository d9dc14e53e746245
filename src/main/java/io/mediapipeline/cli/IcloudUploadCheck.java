package io.mediapipeline.cli;

import io.mediapipeline.config.Settings;
import io.mediapipeline.icloud.IcloudConfig;
import io.mediapipeline.icloud.IcloudStore;
import io.mediapipeline.icloud.web.IcloudWebClient;
import io.mediapipeline.icloud.web.IcloudWebException;
import io.mediapipeline.icloud.web.PhotosWeb;
import io.mediapipeline.icloud.web.PhotosWebLogin;
import io.mediapipeline.icloud.web.SessionCopy;
import io.mediapipeline.ledger.Ledger;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * doctor's look at the delivery back to iCloud: per account, whether icloudpd's session can be reused and the web
 * services answer (signing in only: nothing is uploaded); what the ledger says about the uploads; the removal switches.
 */
final class IcloudUploadCheck {

    enum Level { OK, WARN, FAIL }

    /** One line of doctor's output; {@code fix} is null for OK. */
    record Finding(Level level, String what, String detail, String fix) {
    }

    static final String UPLOAD = "pipeline.target.icloud.";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final PhotosWebLogin login;
    private final Path stateDir;

    /** @param stateDir the 0700 state folder: the session's scratch copy lives there, and only while doctor signs in */
    IcloudUploadCheck(PhotosWebLogin login, Path stateDir) {
        this.login = login;
        this.stateDir = stateDir;
    }

    /**
     * Per account: icloudpd's session reused to sign in to the web services (nothing is uploaded). An account that
     * waits for a sign-in or is backing off from throttling is not asked: Apple's lockout grows with every request.
     */
    static List<Finding> sessions(Settings settings, IcloudStore store) {
        IcloudConfig accounts = IcloudConfig.withoutSecrets(settings);
        IcloudUploadCheck check = new IcloudUploadCheck(
                new IcloudWebClient(URI.create(settings.get(UPLOAD + "setup-url")), TIMEOUT), settings.home().resolve("state"));
        List<Finding> out = new ArrayList<>();
        for (IcloudConfig.Account a : accounts.accounts()) {
            Finding blocked = blocked(a.name(), store.state(a.name()), accounts.loginHint(), Instant.now());
            out.add(blocked != null ? blocked : check.session(a.name(), a.username(), a.cookieDir(), accounts.loginHint()));
        }
        return out;
    }

    /** Why the account must not be asked now, or null. */
    static Finding blocked(String account, IcloudStore.AccountState s, String loginHint, Instant now) {
        String what = "icloud up " + account;
        if ("auth-needed".equals(s.state())) {
            return new Finding(Level.FAIL, what, "not tried: the account waits for a sign-in (since " + s.authNeededSince()
                    + "); nothing goes up until then", "enter the code on the login page (" + loginHint + ")");
        }
        if ("backing-off".equals(s.state()) && "throttled".equals(s.lastOutcome()) && s.nextAttemptAt() != null
                && s.nextAttemptAt().isAfter(now)) {
            return new Finding(Level.WARN, what, "not tried: Apple throttled this account; download and upload wait until "
                    + s.nextAttemptAt(), "nothing to do: it goes on by itself; doctor does not add to the lockout");
        }
        return null;
    }

    /** What the ledger says: the uploads by state, then the removal switches with what removal did so far. */
    static List<Finding> ledger(Settings settings, Ledger ledger) {
        List<Finding> out = new ArrayList<>(deliveries(ledger));
        out.addAll(removal("true".equals(settings.find(UPLOAD + "removal.enabled")),
                !"false".equals(settings.find(UPLOAD + "removal.dry-run")), ledger));
        return out;
    }

    /**
     * Signs the account in from a private copy of icloudpd's session and says what the service answered. The copy
     * is doctor's own (the uploader's copy may be in use by the running service) and is deleted afterwards.
     */
    Finding session(String account, String username, Path cookieDir, String loginHint) {
        String what = "icloud up " + account;
        if (username == null || username.isBlank()) {
            return new Finding(Level.FAIL, what, "no Apple ID set for this account",
                    "set pipeline.source.icloud.username (or the account's own username key)");
        }
        String name = SessionCopy.fileName(username);
        if (!Files.isRegularFile(cookieDir.resolve(name)) || !Files.isRegularFile(cookieDir.resolve(name + ".session"))) {
            return new Finding(Level.FAIL, what, "no icloudpd session to reuse in " + cookieDir + " (" + name + " and "
                    + name + ".session)", "let the download sign in once: enter the code on the login page (" + loginHint + ")");
        }
        try (ScratchSession session = ScratchSession.signIn(login, stateDir, cookieDir, username, "doctor")) {
            return services(what, session.web().services());
        } catch (IcloudWebException e) {
            return refused(what, e, loginHint);
        } catch (IOException | RuntimeException e) {
            return new Finding(Level.FAIL, what, "could not sign in with the session in " + cookieDir + ": " + e.getMessage(),
                    "check that the service user can read " + cookieDir + " and that pipeline.target.icloud.setup-url is right");
        }
    }

    private static Finding services(String what, PhotosWeb.Services s) {
        List<String> missing = new ArrayList<>();
        if (s.photosUploadUrl() == null || s.photosUploadUrl().isBlank()) {
            missing.add("photosupload");
        }
        if (s.ckDatabaseUrl() == null || s.ckDatabaseUrl().isBlank()) {
            missing.add("ckdatabasews");
        }
        if (!missing.isEmpty()) {
            return new Finding(Level.FAIL, what, "signed in, but the account lacks the web service(s) "
                    + String.join(", ", missing) + ": nothing can be uploaded or proven",
                    "on an Apple device turn on Settings > [your name] > iCloud > Access iCloud Data on the Web");
        }
        return new Finding(Level.OK, what, "icloudpd's session signs in; web services photosupload and ckdatabasews are"
                + " there; no Advanced Data Protection (nothing was uploaded)", null);
    }

    private static Finding adp(String what) {
        return new Finding(Level.FAIL, what, "Advanced Data Protection is on for this Apple ID:"
                + " the web upload cannot work for it, so nothing is uploaded (the download and the archive are not affected)",
                "either keep pipeline.target.icloud.enabled=false, or turn ADP off on an Apple device (Settings > [your name]"
                        + " > iCloud > Advanced Data Protection; this weakens the library's encryption: the owner's choice)");
    }

    private static Finding refused(String what, IcloudWebException e, String loginHint) {
        return switch (e.kind()) {
            case AUTH_EXPIRED -> new Finding(Level.FAIL, what, "the icloudpd session has expired (" + e.getMessage() + ")",
                    "sign in again on the login page (" + loginHint + ")");
            case ADP_REQUIRED -> adp(what);
            case THROTTLED -> new Finding(Level.WARN, what, "iCloud is throttling this account" + (e.retryAfter() == null
                    ? "" : " (retry after " + e.retryAfter().toSeconds() + " s)") + ": " + e.getMessage(),
                    "nothing to do: the download and the upload back off by themselves; do not run doctor in a loop");
            case UNAVAILABLE -> new Finding(Level.FAIL, what, e.getMessage(),
                    "on an Apple device turn on Settings > [your name] > iCloud > Access iCloud Data on the Web");
            case RETRYABLE -> new Finding(Level.WARN, what, "iCloud did not answer: " + e.getMessage(),
                    "check the network; try doctor again later");
            case REJECTED -> new Finding(Level.FAIL, what, "iCloud refused the sign-in: " + e.getMessage(),
                    "check pipeline.target.icloud.setup-url; sign in again on the login page (" + loginHint + ")");
        };
    }

    /** The uploads by state; unproven and failed ones with what happens to them and how to look at them. */
    static List<Finding> deliveries(Ledger ledger) {
        List<Finding> out = new ArrayList<>();
        Map<String, Long> byState = ledger.rows("""
                select state, count(*) as n from deliveries where target = 'icloud' group by state order by state""")
                .stream().collect(Collectors.toMap(r -> (String) r.get("state"), r -> ((Number) r.get("n")).longValue(),
                        Long::sum, java.util.TreeMap::new));
        out.add(new Finding(Level.OK, "icloud up", byState.isEmpty() ? "no file uploaded yet"
                : byState.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", ")), null));
        long unproven = byState.getOrDefault("unproven", 0L);
        if (unproven > 0) {
            Object next = ledger.rows("""
                    select min(next_check_at) as t from deliveries where target = 'icloud' and state = 'unproven'""")
                    .get(0).get("t");
            out.add(new Finding(Level.WARN, "icloud up", unproven + " file(s) uploaded but not proven in the library yet"
                    + (next == null ? "" : " (next look-up " + next + ")"),
                    "nothing to do: each is looked up again every pipeline.target.icloud.proof.recheck-minutes and never"
                            + " uploaded twice; why: `select m.original_name, d.last_error from deliveries d join media_files m"
                            + " on m.id = d.media_file_id where d.target = 'icloud' and d.state = 'unproven'`"));
        }
        long failed = byState.getOrDefault("failed", 0L);
        if (failed > 0) {
            out.add(new Finding(Level.WARN, "icloud up", failed + " file(s) failed to upload (not proven in iCloud, so"
                    + " nothing counts on them there)", "why: `select m.original_name, d.last_error, d.attempts from deliveries d join"
                    + " media_files m on m.id = d.media_file_id where d.target = 'icloud' and d.state = 'failed'`; a failed"
                    + " file is not tried again by itself: once the cause is fixed, `update deliveries set state = 'staged',"
                    + " attempts = 0 where target = 'icloud' and state = 'failed' and media_file_id = '…'` sends it again"
                    + " (bytes iCloud already holds are answered as a duplicate, not stored twice)"));
        }
        return out;
    }

    /** The removal switches, and what the removals table holds when there is one. */
    static List<Finding> removal(boolean on, boolean dryRun, Ledger ledger) {
        Map<String, Long> byState = new java.util.TreeMap<>();
        if (Boolean.TRUE.equals(ledger.rows("select to_regclass('icloud_removals') is not null as t").get(0).get("t"))) {
            ledger.rows("select state, count(*) as n from icloud_removals group by state").forEach(
                    r -> byState.put((String) r.get("state"), ((Number) r.get("n")).longValue()));
        }
        String tail = byState.isEmpty() ? "" : "; so far " + byState.entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
        List<Finding> out = new ArrayList<>();
        if (!on) {
            out.add(new Finding(Level.OK, "icloud removal", "off: no original is removed from iCloud" + tail, null));
        } else if (dryRun) {
            out.add(new Finding(Level.OK, "icloud removal", "on, dry run: lists what would go, removes nothing" + tail, null));
        } else {
            out.add(new Finding(Level.OK, "icloud removal", "on: when cleanup decides, an original whose smaller copy is"
                    + " proven in iCloud goes to Recently Deleted (recoverable there for 30 days)" + tail, null));
        }
        long removing = byState.getOrDefault("removing", 0L);
        if (removing > 0) {
            out.add(new Finding(Level.WARN, "icloud removal", removing + " removal(s) started and not finished (a crash"
                    + " or a stop mid-way): whether the asset was marked deleted is not known",
                    "look at the asset in iCloud Photos (Recently Deleted); see `select media_file_id, asset_record, updated_at"
                            + " from icloud_removals where state = 'removing'`"));
        }
        return out;
    }
}
