package io.mediapipeline.cli;

import io.mediapipeline.config.Settings;
import io.mediapipeline.icloud.IcloudConfig;
import io.mediapipeline.icloud.IcloudStore;
import io.mediapipeline.icloud.removal.RemovalConfig;
import io.mediapipeline.icloud.removal.RemovalListing;
import io.mediapipeline.icloud.web.IcloudWebClient;
import io.mediapipeline.icloud.web.IcloudWebException;
import io.mediapipeline.icloud.web.PhotosWebLogin;
import io.mediapipeline.ledger.Database;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * `icloud-removals`: what would leave iCloud if cleanup asked now, one line per file (or why it never may). Always a
 * dry run: plans are recorded, nothing in iCloud is changed. Each account signs in from this command's own copy of
 * icloudpd's session, deleted afterwards.
 */
public final class IcloudRemovals {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private IcloudRemovals() {
    }

    public static int run(Settings settings, int limit) {
        IcloudConfig icloud = IcloudConfig.withoutSecrets(settings);
        PhotosWebLogin login = new IcloudWebClient(URI.create(settings.get("pipeline.target.icloud.setup-url")), TIMEOUT);
        Map<String, ScratchSession> open = new HashMap<>();
        try (Database db = Database.open(settings)) {
            RemovalListing listing = new RemovalListing(RemovalConfig.from(settings), db.dataSource(), settings.home(),
                    account -> session(open, login, icloud, account, new IcloudStore(db.dataSource()), settings).web());
            listing.print(System.out, limit);
            return 0;
        } finally {
            open.values().forEach(ScratchSession::close);
        }
    }

    private static ScratchSession session(Map<String, ScratchSession> open, PhotosWebLogin login, IcloudConfig icloud,
                                          String account, IcloudStore store, Settings settings)
            throws IOException, IcloudWebException {
        ScratchSession s = open.get(account);
        if (s == null) {
            // an account waiting for a sign-in or throttled is not asked: Apple's lockout grows with every request
            IcloudUploadCheck.Finding blocked = IcloudUploadCheck.blocked(account, store.state(account), icloud.loginHint(),
                    Instant.now());
            if (blocked != null) {
                throw new IcloudWebException(IcloudWebException.Kind.UNAVAILABLE, 0, blocked.detail());
            }
            if (icloud.accounts().stream().noneMatch(a -> a.name().equals(account))) {
                throw new IcloudWebException(IcloudWebException.Kind.UNAVAILABLE, 0, "the iCloud account " + account
                        + " is not configured (pipeline.source.icloud.accounts)");
            }
            IcloudConfig.Account a = icloud.account(account);
            s = ScratchSession.signIn(login, settings.home().resolve("state"), a.cookieDir(), a.username(), "removals");
            open.put(a.name(), s);
        }
        return s;
    }
}
