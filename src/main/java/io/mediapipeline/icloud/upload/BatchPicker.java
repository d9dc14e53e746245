package io.mediapipeline.icloud.upload;

import io.mediapipeline.flow.RunContext;
import io.mediapipeline.icloud.IcloudAccounts;
import io.mediapipeline.icloud.IcloudInbox;
import io.mediapipeline.icloud.upload.UploadLedger.Candidate;
import io.mediapipeline.icloud.web.IcloudWebException;
import io.mediapipeline.icloud.web.PhotosWeb;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the next batch: the accounts take turns; an account goes only when its gate (sign-in, backoff, hourly
 * limit: the budget it shares with the download) allows, and a batch stays under batch.max-files and what is left
 * of the per-run and per-day caps. A Live Photo's halves go in the same group, one after the other.
 */
final class BatchPicker {

    private static final Logger LOG = LoggerFactory.getLogger(BatchPicker.class);
    private static final int SCAN = 5000;

    private final UploadConfig cfg;
    private final UploadLedger ledger;
    private final WebSessions sessions;
    private final IcloudAccounts shared;
    private final RunContext run;
    private final Map<String, String> lastSkip = new ConcurrentHashMap<>();
    private volatile int turn;
    private volatile long lastPick;

    BatchPicker(UploadConfig cfg, UploadLedger ledger, WebSessions sessions, IcloudAccounts shared, RunContext run) {
        this.cfg = cfg;
        this.ledger = ledger;
        this.sessions = sessions;
        this.shared = shared;
        this.run = run;
    }

    UploadBatch pick() {
        lastPick = System.nanoTime();
        int room = room();
        if (room <= 0) {
            return null;
        }
        Map<String, List<Candidate>> byAccount = pending();
        List<String> accounts = cfg.accounts();
        for (int i = 0; i < accounts.size(); i++) {
            String account = accounts.get((turn + i) % accounts.size());
            List<Candidate> files = byAccount.get(account);
            if (files == null || files.isEmpty()) {
                continue;
            }
            String blocked = gate(account);
            if (blocked != null) {
                skip(account, blocked);
                continue;
            }
            PhotosWeb web = signIn(account);
            if (web == null) {
                continue;
            }
            turn = (turn + i + 1) % accounts.size();
            lastSkip.remove(account);
            List<List<Candidate>> groups = groups(files, room);
            groups.stream().filter(g -> g.size() == 1 && g.get(0).livePairId() != null).forEach(g -> warnAlone(g.get(0)));
            return new UploadBatch(account, shared.startUpload(account), web, groups);
        }
        return null;
    }

    /** A Live Photo half that goes without its partner (the partner's wait is over) is said, naming both. */
    private void warnAlone(Candidate c) {
        String why = ledger.lonePartner(c.id());
        if (why != null) {
            LOG.warn(why);
            ledger.log(run.runId(), "warn", why, c.id());
        }
    }

    /** Files the caps still let go up now. */
    private int room() {
        int run = cfg.maxFilesPerRun() - ledger.startedInRun(this.run.runId());
        int day = cfg.maxFilesPerDay() - ledger.sentSince(Instant.now().minus(Duration.ofHours(24)));
        return Math.min(cfg.batchMaxFiles(), Math.min(run, day));
    }

    /** Due files by account; files without a known account (or local ones, unless wanted) are not here. */
    Map<String, List<Candidate>> pending() {
        return pending(cfg.livePairWait());
    }

    /** As {@link #pending()}, with a Live Photo half's wait for its partner taken as {@code livePairWait}. */
    Map<String, List<Candidate>> pending(Duration livePairWait) {
        Map<String, List<Candidate>> by = new LinkedHashMap<>();
        for (Candidate c : ledger.candidates(cfg.compressMaxFailures(), livePairWait, cfg.localFilesAccount() != null,
                SCAN)) {
            String account = accountOf(c);
            if (account != null && cfg.accounts().contains(account)) {
                by.computeIfAbsent(account, k -> new ArrayList<>()).add(c);
            }
        }
        return by;
    }

    /** The account an iCloud file was downloaded from (inbox/icloud/ACCOUNT/...), or the local-files account. */
    String accountOf(Candidate c) {
        if (!"icloud".equals(c.source())) {
            return cfg.localFilesAccount();
        }
        return IcloudInbox.accountOf(cfg.home(), c.sourcePath());
    }

    /** Up to room files; a Live Photo half brings its partner along (a batch may so hold one file more). */
    private static List<List<Candidate>> groups(List<Candidate> files, int room) {
        Map<UUID, Candidate> byId = new LinkedHashMap<>();
        files.forEach(c -> byId.put(c.id(), c));
        Set<UUID> taken = new HashSet<>();
        List<List<Candidate>> groups = new ArrayList<>();
        int n = 0;
        for (Candidate c : files) {
            if (n >= room) {
                break;
            }
            if (!taken.add(c.id())) {
                continue;
            }
            List<Candidate> g = new ArrayList<>(List.of(c));
            Candidate partner = c.livePairId() == null ? null : byId.get(c.livePairId());
            if (partner != null && taken.add(partner.id())) {
                g.add(partner);
            }
            groups.add(g);
            n += g.size();
        }
        return groups;
    }

    private PhotosWeb signIn(String account) {
        try {
            return sessions.client(account);
        } catch (IcloudWebException e) {
            String outcome = switch (e.kind()) {
                case THROTTLED -> "throttled";
                case AUTH_EXPIRED -> "auth-needed";
                case ADP_REQUIRED, UNAVAILABLE -> "refused";
                default -> "failed";
            };
            if (outcome.equals("refused")) {
                say(account, e.getMessage()); // the sessions keep the refusal until the session changes
            }
            shared.finishUpload(shared.startUpload(account), account, outcome, 0, "sign-in: " + e.getMessage());
        } catch (IOException e) {
            skip(account, "cannot use the session copy: " + e.getMessage());
        }
        return null;
    }

    /**
     * The account cannot take uploads (ADP, no upload service): said once, kept until icloudpd's session changes;
     * its files stay pending.
     */
    void refuse(String account, String message) {
        if (sessions.refuse(account, message)) {
            say(account, message);
        }
    }

    private void say(String account, String message) {
        String m = "iCloud " + account + ": uploads refused: " + message + "; its files wait, nothing is marked failed";
        LOG.warn(m);
        ledger.log(run.runId(), "warn", m, null);
    }

    /**
     * Null when the account may be asked now, else why not: the shared gate (sign-in needed, backoff, hourly limit)
     * or the sessions' own (refused, a failed sign-in's pause). Uploads and proof look-ups both ask it, so an
     * account backing off is not asked anything.
     */
    String gate(String account) {
        String blocked = shared.blocked(account, Instant.now());
        return blocked != null ? blocked : sessions.waiting(account, Instant.now());
    }

    /** Whether the account may upload now (for `once`: a blocked account's files are not waited for). */
    boolean usable(String account) {
        return gate(account) == null;
    }

    /** Whether the proof can look the account's files up now (for `once` too). */
    boolean canLookUp(String account) {
        return gate(account) == null;
    }

    boolean capsReached() {
        return room() <= 0;
    }

    private void skip(String account, String why) {
        if (!why.equals(lastSkip.put(account, why))) {
            LOG.info("iCloud {}: not uploading now: {}", account, why);
        }
    }

    long lastPick() {
        return lastPick;
    }
}
