package io.mediapipeline.icloud.upload;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import io.mediapipeline.icloud.IcloudConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;

/**
 * The pipeline.target.icloud.* settings, checked once (each message names its key), even with the target off so
 * that switching it on cannot meet a bad value first. The accounts are the iCloud source's: the upload reuses
 * their icloudpd sessions and needs no password.
 */
public record UploadConfig(boolean enabled, URI setupUrl, List<String> accounts, Path home, Path stateDir, Duration poll,
                           int batchMaxFiles, int parallelism, int maxFilesPerRun, int maxFilesPerDay,
                           Duration requestTimeout, Proof proof, int maxAttempts, String localFilesAccount,
                           int compressMaxFailures, ZoneId zone, Duration onceWait,
                           Duration livePairWait) {

    /** How a registered file is proven. */
    public record Proof(Duration timeout, long pollInitialMillis, long pollMaxMillis, Duration recheck,
                        int downloadSharePercent) {

        /** The pause before the n-th look-up (n from 1): doubling from the initial pause up to the maximum. */
        public Duration pause(int n) {
            long ms = pollInitialMillis << Math.min(Math.max(n - 1, 0), 20);
            return Duration.ofMillis(Math.min(ms, pollMaxMillis));
        }

        /** Whether this content is in the share downloaded back: fixed by its sha256, so a rerun picks the same. */
        public boolean downloadBack(String sha256) {
            if (downloadSharePercent >= 100) {
                return true;
            }
            return Long.parseLong(sha256.substring(0, 8), 16) % 100 < downloadSharePercent;
        }
    }

    static final String P = "pipeline.target.icloud.";

    public static UploadConfig from(Settings s) {
        boolean enabled = s.bool(P + "enabled");
        String setup = s.get(P + "setup-url");
        URI setupUrl;
        try {
            setupUrl = new URI(setup);
        } catch (URISyntaxException e) {
            throw new ConfigException(P + "setup-url: not a URL: '" + setup + "'");
        }
        // plain http only to this machine (a test service): elsewhere it would carry the session's cookies in clear
        boolean thisMachine = setupUrl.getHost() != null && loopback(setupUrl.getHost());
        if (!("https".equals(setupUrl.getScheme()) || thisMachine && "http".equals(setupUrl.getScheme()))
                || setupUrl.getHost() == null || setupUrl.getRawQuery() != null) {
            throw new ConfigException(P + "setup-url: expected https://host/path without a query (http only for"
                    + " localhost), got '" + setup + "'");
        }
        int parallelism = s.positive(P + "parallelism");
        if (parallelism > 2) {
            throw new ConfigException(P + "parallelism: 1 or 2 (Apple throttles faster uploads), got " + parallelism);
        }
        int share = s.nonNegative(P + "proof.download-share-percent");
        if (share > 100) {
            throw new ConfigException(P + "proof.download-share-percent: 0 to 100, got " + share);
        }
        long pollInitial = s.positive(P + "proof.poll-initial-ms");
        long pollMax = s.positive(P + "proof.poll-max-ms");
        if (pollMax < pollInitial) {
            throw new ConfigException(P + "proof.poll-max-ms: must be at least proof.poll-initial-ms (" + pollInitial
                    + "), got " + pollMax);
        }
        Proof proof = new Proof(Duration.ofSeconds(s.positive(P + "proof.timeout-seconds")), pollInitial, pollMax,
                Duration.ofMinutes(s.positive(P + "proof.recheck-minutes")), share);
        List<String> accounts = IcloudConfig.withoutSecrets(s).accounts().stream().map(IcloudConfig.Account::name).toList();
        String local = s.get(P + "local-files-account").trim();
        if (!local.isEmpty() && !accounts.contains(local)) {
            throw new ConfigException(P + "local-files-account: no iCloud account '" + local + "' (accounts: "
                    + String.join(", ", accounts) + ")");
        }
        String localAccount = null;
        if (s.bool(P + "local-files")) {
            if (accounts.isEmpty()) {
                throw new ConfigException(P + "local-files: no iCloud account to upload local files to"
                        + " (pipeline.source.icloud.accounts is empty)");
            }
            localAccount = local.isEmpty() ? accounts.get(0) : local;
        }
        return new UploadConfig(enabled, setupUrl, accounts, s.home(), s.home().resolve("state").resolve("icloud-upload"),
                Duration.ofSeconds(s.positive(P + "poll-seconds")), s.positive(P + "batch.max-files"), parallelism,
                s.positive(P + "max-files-per-run"), s.positive(P + "max-files-per-day"),
                Duration.ofSeconds(s.positive(P + "request-timeout-seconds")), proof, s.positive(P + "max-attempts"),
                localAccount, s.positive("pipeline.compress.max-failures"), s.zone(),
                Duration.ofSeconds(s.nonNegative(P + "once-wait-seconds")),
                Duration.ofSeconds(s.nonNegative(P + "live-pair-wait-seconds")));
    }

    private static boolean loopback(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        return h.equals("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1") || h.matches("127(\\.\\d{1,3}){3}");
    }

    /** The uploader's own copy of an account's session (0700), never icloudpd's live one. */
    public Path sessionDir(String account) {
        return stateDir.resolve(account);
    }
}
