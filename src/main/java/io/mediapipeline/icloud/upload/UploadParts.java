package io.mediapipeline.icloud.upload;

import io.mediapipeline.flow.RunContext;
import io.mediapipeline.icloud.IcloudAccounts;
import io.mediapipeline.icloud.IcloudConfig.Account;
import io.mediapipeline.icloud.web.IcloudWebClient;
import io.mediapipeline.icloud.web.IcloudWebException;
import io.mediapipeline.icloud.web.IcloudWebException.Kind;
import io.mediapipeline.icloud.web.PhotosWeb;
import io.mediapipeline.icloud.web.PhotosWebLogin;
import io.mediapipeline.icloud.web.SessionCopy;
import io.mediapipeline.ops.Metrics;
import java.io.IOException;
import java.util.List;
import javax.sql.DataSource;

/**
 * The upload's parts wired the one way they work together (sessions, batch picker, uploader, prover), so the stage,
 * its tests and the benchmark all run the same thing.
 */
public final class UploadParts implements AutoCloseable {

    private final UploadLedger ledger;
    private final WebSessions sessions;
    private final BatchPicker picker;
    private final Uploader uploader;
    private final Prover prover;
    private final List<String> accounts;

    private UploadParts(UploadConfig cfg, UploadLedger ledger, List<Account> accounts, IcloudAccounts shared,
                        PhotosWebLogin login, WebSessions.SessionRefresh refresh, RunContext run, Metrics metrics) {
        this.ledger = ledger;
        this.accounts = accounts.stream().map(Account::name).toList();
        this.sessions = new WebSessions(cfg, accounts, shared, login, refresh);
        this.picker = new BatchPicker(cfg, ledger, sessions, shared, run);
        this.uploader = new Uploader(cfg, ledger, picker, sessions, shared, run, metrics);
        this.prover = new Prover(cfg, ledger, sessions, picker, shared, run, metrics);
    }

    /** With the real web client, working on copies of icloudpd's sessions. */
    public static UploadParts wire(UploadConfig cfg, DataSource dataSource, List<Account> accounts, IcloudAccounts shared,
                                   RunContext run, Metrics metrics) {
        return new UploadParts(cfg, new UploadLedger(dataSource), accounts, shared,
                new IcloudWebClient(cfg.setupUrl(), cfg.requestTimeout()), SessionCopy::refresh, run, metrics);
    }

    /** With another client or session copy (tests). */
    static UploadParts wire(UploadConfig cfg, UploadLedger ledger, List<Account> accounts, IcloudAccounts shared,
                            PhotosWebLogin login, WebSessions.SessionRefresh refresh, RunContext run, Metrics metrics) {
        return new UploadParts(cfg, ledger, accounts, shared, login, refresh, run, metrics);
    }

    public Uploader uploader() {
        return uploader;
    }

    public Prover prover() {
        return prover;
    }

    /** Signs the account in now, as its first batch would (the benchmark starts its clock after this). */
    public PhotosWeb signIn(String account) throws IcloudWebException, IOException {
        return sessions.client(account);
    }

    /**
     * The account's signed-in client for a call outside the upload (the removal of an original, the scrub's restore).
     * An account that is blocked (sign-in needed, backing off, refused, a failed sign-in's pause) or whose session
     * icloudpd is rewriting now is not asked at all: UNAVAILABLE "not asked now: ...".
     */
    public PhotosWeb usable(String account) throws IcloudWebException, IOException {
        if (!accounts.contains(account)) {
            throw new IcloudWebException(Kind.UNAVAILABLE, 0, "not asked now: the iCloud account " + account
                    + " is not configured (pipeline.source.icloud.accounts)");
        }
        String blocked = picker.gate(account);
        if (blocked != null) {
            throw new IcloudWebException(Kind.UNAVAILABLE, 0, "not asked now: " + blocked);
        }
        PhotosWeb web = sessions.client(account);
        if (web == null) {
            throw new IcloudWebException(Kind.UNAVAILABLE, 0, "not asked now: icloudpd is using the account's session");
        }
        return web;
    }

    UploadLedger ledger() {
        return ledger;
    }

    WebSessions sessions() {
        return sessions;
    }

    BatchPicker picker() {
        return picker;
    }

    @Override
    public void close() {
        sessions.close();
    }
}
