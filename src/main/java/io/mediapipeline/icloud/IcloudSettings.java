package io.mediapipeline.icloud;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The iCloud source's settings. One account uses the pipeline.source.icloud.* keys. Several accounts
 * are listed in pipeline.source.icloud.accounts=a,b; each may override any per-account key with
 * pipeline.source.icloud.account.NAME.KEY (else the shared value applies) and gets its own cookie,
 * download and temp folders. Its password comes preferably from the environment variable
 * PIPELINE_SOURCE_ICLOUD_ACCOUNT_NAME_PASSWORD (PIPELINE_SOURCE_ICLOUD_PASSWORD for one account).
 */
public final class IcloudSettings {

    public static final String PREFIX = "pipeline.source.icloud.";
    public static final String ACCOUNT_PREFIX = PREFIX + "account.";
    public static final String DEFAULT_ACCOUNT = "default";
    public static final Pattern ACCOUNT_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,30}");

    /** Keys an account may override; the shared key pipeline.source.icloud.KEY is the fallback. */
    public static final Set<String> PER_ACCOUNT = Set.of("username", "password", "recent", "until-found", "size",
            "live-photo-size", "skip-videos", "skip-live-photos", "file-match-policy", "set-exif-datetime",
            "album", "library", "folder-structure", "extra-flags");

    private static final Set<String> SIZES = Set.of("original", "medium", "thumb", "adjusted", "alternative");
    private static final Set<String> LIVE_SIZES = Set.of("original", "medium", "thumb");
    private static final Set<String> MATCH_POLICIES = Set.of("name-size-dedup-with-suffix", "name-id7");
    /** Flags the pipeline sets itself, or that must never be used (secrets on the command line, deleting). */
    private static final Set<String> FORBIDDEN_EXTRA = Set.of("-p", "--password", "-u", "--username", "-d",
            "--directory", "--cookie-directory", "--password-provider", "--mfa-provider", "--auth-only",
            "--keep-icloud-recent-days", "--auto-delete", "--delete-after-download", "--watch-with-interval",
            "--log-level", "--only-print-filenames", "--smtp-password");

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

    private final List<Account> accounts;
    private final Settings settings;

    private IcloudSettings(Settings settings, List<Account> accounts) {
        this.settings = settings;
        this.accounts = accounts;
    }

    public static IcloudSettings of(Settings settings) {
        List<Account> out = new ArrayList<>();
        for (String name : accountNames(settings)) {
            out.add(account(settings, name));
        }
        return new IcloudSettings(settings, out);
    }

    public List<Account> accounts() {
        return accounts;
    }

    public Account account(String name) {
        return accounts.stream().filter(a -> a.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no iCloud account " + name));
    }

    public Path binary() {
        return settings.path(PREFIX + "binary");
    }

    public int integer(String key) {
        return settings.integer(PREFIX + key);
    }

    public String get(String key) {
        return settings.get(PREFIX + key);
    }

    public ZoneId scheduleZone() {
        String v = settings.get(PREFIX + "schedule-timezone");
        return v.equals("system") ? settings.zone() : ZoneId.of(v);
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

    /** Where the operator enters an MFA code, or how to switch the page on. */
    public String loginHint() {
        int port = settings.integer(PREFIX + "login.port");
        return port > 0 ? "http://127.0.0.1:" + port + "/icloud/login?token=…"
                : "the login page is off: set pipeline.source.icloud.login.port and PIPELINE_SOURCE_ICLOUD_LOGIN_TOKEN";
    }

    public Path stateDir() {
        return settings.home().resolve("state");
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

    private static String keyFor(Settings settings, String account, String key) {
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

    private static boolean bool(Settings s, String account, String key) {
        String v = value(s, account, key).toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new ConfigException(keyFor(s, account, key) + ": expected true or false, got '" + v + "'");
        }
        return v.equals("true");
    }

    private static List<String> split(String v) {
        List<String> out = new ArrayList<>();
        for (String part : v.split(",")) {
            if (!part.isBlank()) out.add(part.trim());
        }
        return out;
    }

    private static List<String> words(String v) {
        List<String> out = new ArrayList<>();
        for (String part : v.trim().split("\\s+")) {
            if (!part.isBlank()) out.add(part);
        }
        return out;
    }

    /**
     * Checks that run whatever the switch says: move mode is refused, account keys must name a listed
     * account. Then, when the source is on, every account's values.
     */
    public static void validate(Settings s) {
        if (s.bool(PREFIX + "move-mode.enabled")) {
            throw new ConfigException(PREFIX + "move-mode.enabled=true: move mode deletes photos from iCloud, which is"
                    + " allowed only with proof of a verified archive copy (the Verify & cleanup stage), not available"
                    + " in this version yet; set it to false");
        }
        List<String> names = s.list(PREFIX + "accounts");
        for (String name : names) {
            if (!ACCOUNT_NAME.matcher(name).matches() || name.equals(DEFAULT_ACCOUNT)) {
                throw new ConfigException(PREFIX + "accounts: '" + name + "' is not a valid account name"
                        + " (lower-case letters, digits and dashes; not 'default')");
            }
        }
        if (names.size() != names.stream().distinct().count()) {
            throw new ConfigException(PREFIX + "accounts: an account is listed twice");
        }
        for (String key : s.keys()) {
            if (key.startsWith(ACCOUNT_PREFIX)) {
                String rest = key.substring(ACCOUNT_PREFIX.length());
                String name = rest.substring(0, rest.indexOf('.'));
                if (!names.contains(name)) {
                    throw new ConfigException(key + ": account '" + name + "' is not listed in " + PREFIX + "accounts");
                }
            }
        }
        if (!s.bool(PREFIX + "enabled")) {
            return;
        }
        for (String key : List.of("max-attempts-per-hour", "retry.max-attempts", "retry.initial-delay-seconds",
                "retry.max-delay-seconds", "throttle.initial-backoff-seconds", "throttle.max-backoff-seconds",
                "retry-check-seconds", "stop-grace-seconds", "session-warn-days")) {
            if (s.integer(PREFIX + key) <= 0) {
                throw new ConfigException(PREFIX + key + ": must be greater than 0, got " + s.get(PREFIX + key));
            }
        }
        if (s.integer(PREFIX + "run-timeout-minutes") < 0) {
            throw new ConfigException(PREFIX + "run-timeout-minutes: must be 0 (no limit) or more");
        }
        int port = s.integer(PREFIX + "login.port");
        if (port < 0 || port > 65535) {
            throw new ConfigException(PREFIX + "login.port: must be 0..65535, got " + port);
        }
        if (s.get(PREFIX + "schedule").isBlank()) {
            throw new ConfigException(PREFIX + "schedule: must be a cron expression, e.g. 0 0 3 * * ?");
        }
        if (!org.quartz.CronExpression.isValidExpression(s.get(PREFIX + "schedule"))) {
            throw new ConfigException(PREFIX + "schedule: '" + s.get(PREFIX + "schedule")
                    + "' is not a valid Quartz cron expression (sec min hour day month weekday)");
        }
        String zone = s.get(PREFIX + "schedule-timezone");
        if (!zone.equals("system")) {
            try {
                ZoneId.of(zone);
            } catch (RuntimeException e) {
                throw new ConfigException(PREFIX + "schedule-timezone: unknown time zone '" + zone + "'");
            }
        }
        s.path(PREFIX + "binary");
        Path state = s.home().resolve("state");
        if (!s.path(PREFIX + "cookie-dir").startsWith(state)) {
            throw new ConfigException(PREFIX + "cookie-dir: must be under " + state + " (kept private, mode 0700)");
        }
        for (String name : accountNames(s)) {
            checkAccount(s, name);
        }
    }

    private static void checkAccount(Settings s, String name) {
        if (value(s, name, "username").isBlank()) {
            throw new ConfigException((name.equals(DEFAULT_ACCOUNT) ? PREFIX : ACCOUNT_PREFIX + name + ".")
                    + "username: must be set (the Apple ID)");
        }
        for (String key : List.of("recent", "until-found")) {
            String v = value(s, name, key);
            if (!v.isEmpty() && !v.matches("[0-9]{1,9}")) {
                throw new ConfigException(keyFor(s, name, key) + ": expected a whole number or empty, got '" + v + "'");
            }
        }
        for (String size : split(value(s, name, "size"))) {
            if (!SIZES.contains(size)) {
                throw new ConfigException(keyFor(s, name, "size") + ": expected one or more of " + SIZES + ", got '" + size + "'");
            }
        }
        if (!LIVE_SIZES.contains(value(s, name, "live-photo-size"))) {
            throw new ConfigException(keyFor(s, name, "live-photo-size") + ": expected one of " + LIVE_SIZES);
        }
        if (!MATCH_POLICIES.contains(value(s, name, "file-match-policy"))) {
            throw new ConfigException(keyFor(s, name, "file-match-policy") + ": expected one of " + MATCH_POLICIES);
        }
        bool(s, name, "skip-videos");
        bool(s, name, "skip-live-photos");
        bool(s, name, "set-exif-datetime");
        if (!value(s, name, "library").isEmpty() && !split(value(s, name, "album")).isEmpty()) {
            // icloudpd accepts both, but an album is looked up in the library; keep it explicit
            if (value(s, name, "library").contains(",")) {
                throw new ConfigException(keyFor(s, name, "library") + ": one library per account");
            }
        }
        if (value(s, name, "folder-structure").isBlank()) {
            throw new ConfigException(keyFor(s, name, "folder-structure") + ": must not be empty ({:%Y/%m/%d} or none)");
        }
        for (String flag : words(value(s, name, "extra-flags"))) {
            String bare = flag.contains("=") ? flag.substring(0, flag.indexOf('=')) : flag;
            String denied = denied(bare);
            if (denied != null || flag.equals("webui")) {
                throw new ConfigException(keyFor(s, name, "extra-flags") + ": " + bare
                        + (denied != null && !denied.equals(bare) ? " (read by icloudpd as " + denied + ")" : "")
                        + " is set by the pipeline or not allowed (passwords never on the command line, no deleting"
                        + " from iCloud, no web UI)");
            }
        }
    }

    /**
     * The denied flag icloudpd would read this argument as, or null: its option parser takes any unambiguous
     * prefix of a long option ({@code --keep-icloud-rec}) and a short option's value glued on ({@code -pSECRET}).
     */
    static String denied(String bare) {
        if (FORBIDDEN_EXTRA.contains(bare)) {
            return bare;
        }
        if (bare.startsWith("--")) {
            if (bare.length() > 2) {
                for (String d : FORBIDDEN_EXTRA) {
                    if (d.startsWith(bare)) {
                        return d;
                    }
                }
            }
            return null;
        }
        if (bare.startsWith("-") && bare.length() >= 2 && FORBIDDEN_EXTRA.contains(bare.substring(0, 2))) {
            return bare.substring(0, 2);
        }
        return null;
    }
}
