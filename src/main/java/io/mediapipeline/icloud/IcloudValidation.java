package io.mediapipeline.icloud;

import static io.mediapipeline.icloud.IcloudConfig.ACCOUNT_NAME;
import static io.mediapipeline.icloud.IcloudConfig.ACCOUNT_PREFIX;
import static io.mediapipeline.icloud.IcloudConfig.DEFAULT_ACCOUNT;
import static io.mediapipeline.icloud.IcloudConfig.PREFIX;
import static io.mediapipeline.icloud.IcloudConfig.accountNames;
import static io.mediapipeline.icloud.IcloudConfig.bool;
import static io.mediapipeline.icloud.IcloudConfig.keyFor;
import static io.mediapipeline.icloud.IcloudConfig.split;
import static io.mediapipeline.icloud.IcloudConfig.value;
import static io.mediapipeline.icloud.IcloudConfig.words;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;

/** The checks behind {@link IcloudConfig#from}: each refusal is one line naming the key. */
final class IcloudValidation {

    private static final Set<String> SIZES = Set.of("original", "medium", "thumb", "adjusted", "alternative");
    private static final Set<String> LIVE_SIZES = Set.of("original", "medium", "thumb");
    private static final Set<String> MATCH_POLICIES = Set.of("name-size-dedup-with-suffix", "name-id7");
    /** Flags the pipeline sets itself, or that must never be used (secrets on the command line, deleting). */
    private static final Set<String> FORBIDDEN_EXTRA = Set.of("-p", "--password", "-u", "--username", "-d",
            "--directory", "--cookie-directory", "--password-provider", "--mfa-provider", "--auth-only",
            "--keep-icloud-recent-days", "--auto-delete", "--delete-after-download", "--watch-with-interval",
            "--log-level", "--only-print-filenames", "--smtp-password");

    private IcloudValidation() {
    }

    /**
     * Checks that run whatever the switch says: move mode is refused, account keys must name a listed
     * account. Then, when the source is on, every account's values.
     */
    static void validate(Settings s) {
        if (s.bool(PREFIX + "move-mode.enabled")) {
            throw new ConfigException(PREFIX + "move-mode.enabled=true: icloudpd's move mode deletes photos from"
                    + " iCloud by age, not by proof; set it to false and let cleanup remove verified originals"
                    + " (pipeline.target.icloud.removal.enabled)");
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
        // numbers are numbers even while the source is off: its route is built (stopped) all the same
        for (String key : List.of("login.port", "login.token")) {
            if (s.find(PREFIX + key) != null) {
                throw new ConfigException(PREFIX + key + ": the iCloud sign-in moved to the dashboard at /signin"
                        + " (the management port, pipeline.management.*); remove this setting");
            }
        }
        for (String key : List.of("retry-check-seconds", "stop-grace-seconds", "session-warn-days",
                "move-mode.keep-recent-days", "retry.initial-delay-seconds", "retry.max-delay-seconds",
                "throttle.initial-backoff-seconds", "throttle.max-backoff-seconds")) {
            s.integer(PREFIX + key);
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
