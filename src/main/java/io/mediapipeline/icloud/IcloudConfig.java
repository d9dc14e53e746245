package io.mediapipeline.icloud;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The iCloud source's settings, validated once. One account uses the pipeline.source.icloud.* keys. Several
 * accounts are listed in pipeline.source.icloud.accounts=a,b; each may override any per-account key with
 * pipeline.source.icloud.account.NAME.KEY (else the shared value applies) and gets its own cookie, download
 * and temp folders. Its password comes preferably from the environment variable
 * PIPELINE_SOURCE_ICLOUD_ACCOUNT_NAME_PASSWORD (PIPELINE_SOURCE_ICLOUD_PASSWORD for one account).
 */
public record IcloudConfig(boolean enabled, List<Account> accounts, Path binary, Path stateDir, ZoneId scheduleZone,
                           boolean runAtStart, int maxAttemptsPerHour, int retryMaxAttempts, Backoff retry,
                           Backoff throttle, int stopGraceSeconds, Duration runTimeout, int sessionWarnDays,
                           String signInUrl) {

    public static final String PREFIX = "pipeline.source.icloud.";
    public static final String ACCOUNT_PREFIX = PREFIX + "account.";
    public static final String DEFAULT_ACCOUNT = "default";
    public static final Pattern ACCOUNT_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,30}");

    /** Keys an account may override; the shared key pipeline.source.icloud.KEY is the fallback. */
    public static final Set<String> PER_ACCOUNT = Set.of("username", "password", "recent", "until-found", "size",
            "live-photo-size", "skip-videos", "skip-live-photos", "file-match-policy", "set-exif-datetime",
            "album", "library", "folder-structure", "extra-flags");
    /** pipeline.source.icloud.account.NAME.KEY for the accounts listed in pipeline.source.icloud.accounts. */
    public static final Settings.Family ACCOUNT_KEYS = new Settings.Family(PREFIX + "accounts", ACCOUNT_PREFIX,
            ACCOUNT_NAME, PER_ACCOUNT);
    /**
     * The keys of the login page that moved into the dashboard: accepted when the settings load only so that
     * {@link IcloudValidation} can say where the sign-in went instead of "unknown setting".
     */
    public static final Settings.Family RETIRED_LOGIN_KEYS = new Settings.Family(PREFIX + "retired", PREFIX,
            Pattern.compile("login"), Set.of("port", "token"));

    /** One account, fully resolved. */
    public record Account(String name, String username, String password, Path cookieDir, Path downloadDir,
                          Path tmpDir, String recent, String untilFound, List<String> sizes, String livePhotoSize,
                          boolean skipVideos, boolean skipLivePhotos, String fileMatchPolicy,
                          boolean setExifDatetime, List<String> albums, String library, String folderStructure,
                          List<String> extraFlags) {

        @Override
        public String toString() {
            return "Account[" + name + ", " + username + "]"; // never the password
        }
    }

    /** Exponential backoff: initial × 2^(n-1) after the n-th failure in a row, capped. */
    public record Backoff(int initialSeconds, int maxSeconds) {

        public Duration after(int n) {
            long s = (long) initialSeconds << Math.min(n - 1, 30);
            return Duration.ofSeconds(Math.min(s, maxSeconds));
        }
    }

    /**
     * The checked settings, ready to run: a bad value, or a missing password while the source is on, is a
     * {@link ConfigException} with one line naming the key.
     */
    public static IcloudConfig from(Settings s) {
        IcloudConfig cfg = withoutSecrets(s);
        if (cfg.enabled() && cfg.missingPassword() != null) {
            throw new ConfigException(cfg.missingPassword());
        }
        return cfg;
    }

    /**
     * The checks that need no account built: move mode refused and account keys naming a listed account
     * whatever the switch says, then every value when the source is on.
     */
    public static void validate(Settings s) {
        IcloudValidation.validate(s);
    }

    /**
     * Checked like {@link #from}, except that a missing password is left to {@link #missingPassword()}:
     * doctor runs in a shell without the service's secrets and reports it as a finding.
     */
    public static IcloudConfig withoutSecrets(Settings s) {
        IcloudValidation.validate(s);
        boolean on = s.bool(PREFIX + "enabled");
        List<Account> accounts = new ArrayList<>();
        for (String name : accountNames(s)) {
            accounts.add(account(s, name));
        }
        String zone = s.get(PREFIX + "schedule-timezone");
        return new IcloudConfig(on, List.copyOf(accounts),
                on || !s.get(PREFIX + "binary").isBlank() ? s.path(PREFIX + "binary") : null,
                s.home().resolve("state"), zone.equals("system") ? s.zone() : ZoneId.of(zone),
                s.bool(PREFIX + "run-at-start"),
                tunable(s, "max-attempts-per-hour", on), tunable(s, "retry.max-attempts", on),
                new Backoff(tunable(s, "retry.initial-delay-seconds", on), tunable(s, "retry.max-delay-seconds", on)),
                new Backoff(tunable(s, "throttle.initial-backoff-seconds", on),
                        tunable(s, "throttle.max-backoff-seconds", on)),
                tunable(s, "stop-grace-seconds", on), Duration.ofMinutes(tunable(s, "run-timeout-minutes", on)),
                tunable(s, "session-warn-days", on), signInUrl(s));
    }

    /** A switched-off source is not held to its tunables (it never runs), so an odd value there stops nothing. */
    private static int tunable(Settings s, String key, boolean checked) {
        if (checked) {
            return s.integer(PREFIX + key);
        }
        try {
            return Integer.parseInt(s.get(PREFIX + key));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public Account account(String name) {
        return accounts.stream().filter(a -> a.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no iCloud account " + name));
    }

    /** The accounts this run downloads: none while the source is off. */
    public List<String> downloading() {
        return enabled ? accounts.stream().map(Account::name).toList() : List.of();
    }

    /**
     * Checked when the service starts (and shown by doctor), not when settings load: doctor and tools
     * may run in a shell without the secret. Null when every account has its password.
     */
    public String missingPassword() {
        for (Account a : accounts) {
            if (a.password().isEmpty()) {
                String key = a.name().equals(DEFAULT_ACCOUNT) ? PREFIX + "password" : ACCOUNT_PREFIX + a.name() + ".password";
                String env = Settings.environmentName(key);
                return key + ": not set; put the Apple ID password in the environment variable " + env
                        + " (it reaches icloudpd only on its stdin)";
            }
        }
        return null;
    }

    /** Where the operator enters an MFA code: the dashboard's sign-in page. */
    public String loginHint() {
        return signInUrl;
    }

    private static String signInUrl(Settings s) {
        if (!s.bool("pipeline.management.enabled")) {
            return "the dashboard's sign-in page (/signin), which is off: set pipeline.management.enabled=true";
        }
        String host = s.get("pipeline.management.host");
        return "the dashboard's sign-in page, http://" + (host.contains(":") ? "[" + host + "]" : host) + ":"
                + s.get("pipeline.management.port") + "/signin";
    }

    @Override
    public String toString() {
        return "IcloudConfig[enabled=" + enabled + ", accounts=" + accounts + "]"; // never a password
    }

    public static List<String> accountNames(Settings settings) {
        List<String> names = settings.list(PREFIX + "accounts");
        return names.isEmpty() ? List.of(DEFAULT_ACCOUNT) : names;
    }

    /** The value of a per-account key: the account's own key if set, else the shared one. */
    static String value(Settings settings, String account, String key) {
        if (!account.equals(DEFAULT_ACCOUNT)) {
            String own = settings.find(ACCOUNT_PREFIX + account + "." + key);
            if (own != null) {
                return own;
            }
        }
        return settings.get(PREFIX + key);
    }

    /** The key a per-account value came from, for the error message. */
    static String keyFor(Settings settings, String account, String key) {
        return !account.equals(DEFAULT_ACCOUNT) && settings.find(ACCOUNT_PREFIX + account + "." + key) != null
                ? ACCOUNT_PREFIX + account + "." + key : PREFIX + key;
    }

    private static Account account(Settings s, String name) {
        Path cookieRoot = s.path(PREFIX + "cookie-dir");
        Path downloadRoot = s.path(PREFIX + "download-dir");
        Path tmpRoot = s.path(PREFIX + "tmp-dir");
        return new Account(name, value(s, name, "username"), value(s, name, "password"),
                cookieRoot.resolve(name), downloadRoot.resolve(name), tmpRoot.resolve(name),
                value(s, name, "recent"), value(s, name, "until-found"), split(value(s, name, "size")),
                value(s, name, "live-photo-size"), bool(s, name, "skip-videos"), bool(s, name, "skip-live-photos"),
                value(s, name, "file-match-policy"), bool(s, name, "set-exif-datetime"),
                split(value(s, name, "album")), value(s, name, "library"), value(s, name, "folder-structure"),
                words(value(s, name, "extra-flags")));
    }

    static boolean bool(Settings s, String account, String key) {
        String v = value(s, account, key).toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new ConfigException(keyFor(s, account, key) + ": expected true or false, got '" + v + "'");
        }
        return v.equals("true");
    }

    static List<String> split(String v) {
        List<String> out = new ArrayList<>();
        for (String part : v.split(",")) {
            if (!part.isBlank()) out.add(part.trim());
        }
        return out;
    }

    static List<String> words(String v) {
        List<String> out = new ArrayList<>();
        for (String part : v.trim().split("\\s+")) {
            if (!part.isBlank()) out.add(part);
        }
        return out;
    }
}
