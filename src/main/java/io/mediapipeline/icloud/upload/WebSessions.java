package io.mediapipeline.icloud.upload;

import io.mediapipeline.icloud.IcloudAccounts;
import io.mediapipeline.icloud.IcloudConfig.Account;
import io.mediapipeline.icloud.web.IcloudWebException;
import io.mediapipeline.icloud.web.PhotosWeb;
import io.mediapipeline.icloud.web.PhotosWebLogin;
import io.mediapipeline.proc.PrivateDir;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One signed-in {@link PhotosWeb} per account, made when first needed and reused (signing in again and again is
 * what makes Apple revoke consent). It works on the uploader's own copy of icloudpd's session, refreshed from
 * icloudpd's before each sign-in, and only while no icloudpd runs for the account.
 */
final class WebSessions implements AutoCloseable {

    /** Copies icloudpd's session into the uploader's folder when icloudpd's is newer; true if copied. */
    interface SessionRefresh {
        boolean refresh(Path icloudpdCookieDir, Path ownDir, String username) throws IOException;
    }

    private final UploadConfig cfg;
    private final Map<String, Account> accounts;
    private final IcloudAccounts shared;
    private final PhotosWebLogin login;
    private final SessionRefresh refresh;
    private final Map<String, PhotosWeb> open = new ConcurrentHashMap<>();

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
     * session files are being rewritten: try again later). An account that needs Advanced Data Protection's keys
     * is refused with {@link IcloudWebException.Kind#ADP_REQUIRED}.
     */
    synchronized PhotosWeb client(String account) throws IcloudWebException, IOException {
        PhotosWeb web = open.get(account);
        if (web != null) {
            return web;
        }
        Account a = accounts.get(account);
        Path own = cfg.sessionDir(account);
        Boolean copied = shared.whileIdle(account, () -> {
            PrivateDir.create(own);
            return refresh.refresh(a.cookieDir(), own, a.username());
        });
        if (copied == null) {
            return null;
        }
        web = login.signIn(own, a.username());
        if (web.services().pcsRequired()) {
            web.close();
            throw new IcloudWebException(IcloudWebException.Kind.ADP_REQUIRED, 0, "the account " + account
                    + " has Advanced Data Protection: iCloud's web upload cannot reach its library; turn on \"Access"
                    + " iCloud Data on the Web\" or switch pipeline.target.icloud.enabled off");
        }
        open.put(account, web);
        return web;
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
