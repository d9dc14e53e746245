package io.mediapipeline.config;

import io.mediapipeline.icloud.IcloudConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole configuration, layered and checked before Camel starts, so a bad value stops startup
 * with one clear line naming the key instead of a stack trace from deep inside a route.
 *
 * <p>Layers, later wins: the defaults shipped in the jar (a copy of config/application.properties,
 * which is also the list of known keys), config/application.properties, the --config file,
 * environment variables (PIPELINE_DB_URL for pipeline.db.url), then -D system properties.
 */
public final class Settings {

    private static final Pattern REF = Pattern.compile("\\$\\{([^}]+)}");

    private final Map<String, String> values;
    private final Path appHome;

    private Settings(Map<String, String> values, Path appHome) {
        this.values = values;
        this.appHome = appHome;
    }

    /** Loads and validates; throws {@link ConfigException} naming the first bad key. */
    public static Settings load(Path appHome, Path overrideFile, Map<String, String> env, Properties system) {
        Map<String, String> merged = new LinkedHashMap<>();
        Properties defaults = readClasspath("META-INF/media-pipeline/application.properties");
        defaults.stringPropertyNames().forEach(k -> merged.put(k, defaults.getProperty(k).trim()));
        Map<String, String> known = new LinkedHashMap<>(merged);

        Path main = appHome.resolve("config/application.properties");
        if (Files.isRegularFile(main)) {
            layer(merged, known, readFile(main), main);
        }
        if (overrideFile != null) {
            if (!Files.isRegularFile(overrideFile)) {
                throw new ConfigException("--config " + overrideFile + ": no such file");
            }
            layer(merged, known, readFile(overrideFile), overrideFile);
        }
        for (String key : known.keySet()) {
            String envName = key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
            if (env.containsKey(envName)) {
                merged.put(key, env.get(envName).trim());
            }
            if (system.containsKey(key)) {
                merged.put(key, system.getProperty(key).trim());
            }
        }
        // Per-account iCloud keys exist only for the accounts listed; they too come from env and -D.
        List<String> accounts = new ArrayList<>();
        for (String s : merged.getOrDefault(IcloudConfig.PREFIX + "accounts", "").split(",")) {
            if (!s.isBlank()) accounts.add(s.trim());
        }
        for (String account : accounts) {
            for (String suffix : IcloudConfig.PER_ACCOUNT) {
                String key = IcloudConfig.ACCOUNT_PREFIX + account + "." + suffix;
                String envName = key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
                if (env.containsKey(envName)) {
                    merged.put(key, env.get(envName).trim());
                }
                if (system.containsKey(key)) {
                    merged.put(key, system.getProperty(key).trim());
                }
            }
        }
        Map<String, String> resolved = new LinkedHashMap<>();
        for (String key : merged.keySet()) {
            resolved.put(key, interpolate(key, merged, 0));
        }
        Settings settings = new Settings(resolved, appHome.toAbsolutePath().normalize());
        settings.validate();
        return settings;
    }

    private static void layer(Map<String, String> merged, Map<String, String> known, Properties props, Path origin) {
        ConfigFilePermissions.warnIfReadable(origin, props);
        for (String key : props.stringPropertyNames()) {
            if (key.startsWith("pipeline.") && !known.containsKey(key) && !isAccountKey(key)) {
                throw new ConfigException("unknown setting " + key + " in " + origin + suggestion(key, known));
            }
            merged.put(key, props.getProperty(key).trim());
        }
    }

    /** pipeline.source.icloud.account.NAME.KEY with a per-account KEY (checked against the account list later). */
    private static boolean isAccountKey(String key) {
        if (!key.startsWith(IcloudConfig.ACCOUNT_PREFIX)) {
            return false;
        }
        String rest = key.substring(IcloudConfig.ACCOUNT_PREFIX.length());
        int dot = rest.indexOf('.');
        return dot > 0 && IcloudConfig.ACCOUNT_NAME.matcher(rest.substring(0, dot)).matches()
                && IcloudConfig.PER_ACCOUNT.contains(rest.substring(dot + 1));
    }

    private static String suggestion(String key, Map<String, String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known.keySet()) {
            int d = distance(key, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best != null && bestDistance <= 4 ? " (did you mean " + best + "?)" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.length()];
    }

    private static String interpolate(String key, Map<String, String> all, int depth) {
        if (depth > 10) {
            throw new ConfigException(key + ": placeholders nest too deep (a cycle?)");
        }
        String value = all.get(key);
        Matcher m = REF.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String ref = m.group(1);
            if (!all.containsKey(ref)) {
                throw new ConfigException(key + ": refers to unknown setting ${" + ref + "}");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(interpolate(ref, all, depth + 1)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static Properties readClasspath(String name) {
        try (InputStream in = Settings.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " missing from the jar");
            }
            Properties p = new Properties();
            p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
            return p;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + name, e);
        }
    }

    private static Properties readFile(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Properties p = new Properties();
            p.load(r);
            return p;
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    private void validate() {
        path("pipeline.home");
        zone();
        for (String key : values.keySet()) {
            if (key.endsWith(".enabled") || key.endsWith(".recursive") || key.endsWith(".use-mtime")) {
                bool(key);
            }
            if (key.endsWith("-seconds") || key.endsWith(".port")
                    || key.endsWith("-size") && !key.startsWith(IcloudConfig.PREFIX)
                    || key.endsWith(".parallelism") || key.endsWith("-days") || key.endsWith("-gb")
                    || key.endsWith("-distance")) {
                integer(key);
            }
        }
        positive("pipeline.db.pool-size");
        positive("pipeline.db.connect-timeout-seconds");
        positive("pipeline.db.socket-timeout-seconds");
        positive("pipeline.ingest.parallelism");
        positive("pipeline.ingest.max-attempts");
        positive("pipeline.source.folder.poll-seconds");
        positive("pipeline.source.inbox.poll-seconds");
        positive("pipeline.once.idle-seconds");
        oneOf("pipeline.ingest.wrong-extension", "fix", "quarantine");
        oneOf("pipeline.source.folder.links", "skip", "inside");
        positive("pipeline.source.folder.max-depth");
        if (integer("pipeline.ingest.growing-wait-seconds") < integer("pipeline.ingest.stable-seconds") + 2) {
            throw new ConfigException("pipeline.ingest.growing-wait-seconds: must be at least pipeline.ingest.stable-seconds + 2 ("
                    + (integer("pipeline.ingest.stable-seconds") + 2) + "), got " + get("pipeline.ingest.growing-wait-seconds"));
        }
        oneOf("pipeline.organize.mode", "hardlink", "copy");
        String url = get("pipeline.db.url");
        if (!url.isEmpty() && !url.startsWith("jdbc:postgresql://")) {
            throw new ConfigException("pipeline.db.url: must start with jdbc:postgresql:// (got " + Secrets.mask(url) + ")");
        }
        if (bool("pipeline.source.folder.enabled")) {
            Path folder = path("pipeline.source.folder.path");
            if (!Files.isDirectory(folder)) {
                throw new ConfigException("pipeline.source.folder.path: " + folder + " is not a directory");
            }
            if (get("pipeline.source.folder.patterns").isBlank()) {
                throw new ConfigException("pipeline.source.folder.patterns: must list at least one pattern");
            }
        }
        // Stages whose issues have not landed yet refuse to be switched on rather than pretend.
        IcloudConfig.validate(this);
        io.mediapipeline.compress.CompressConfig.from(this); // pipeline.compress.*: each message names its key
        for (String key : List.of(
                "pipeline.dedupe.near.enabled", "pipeline.target.icloud.enabled", "pipeline.cleanup.enabled")) {
            if (bool(key)) {
                throw new ConfigException(key + "=true: this stage is not available in this version yet");
            }
        }
    }

    public String get(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new ConfigException("unknown setting " + key);
        }
        return v;
    }

    /** The value, or null for a key that is not set (per-account keys are optional). */
    public String find(String key) {
        return values.get(key);
    }

    public java.util.Set<String> keys() {
        return java.util.Collections.unmodifiableSet(values.keySet());
    }

    public boolean bool(String key) {
        String v = get(key).toLowerCase(Locale.ROOT);
        if (v.equals("true")) return true;
        if (v.equals("false")) return false;
        throw new ConfigException(key + ": expected true or false, got '" + get(key) + "'");
    }

    public int integer(String key) {
        try {
            return Integer.parseInt(get(key));
        } catch (NumberFormatException e) {
            throw new ConfigException(key + ": expected a whole number, got '" + get(key) + "'");
        }
    }

    private void positive(String key) {
        if (integer(key) <= 0) {
            throw new ConfigException(key + ": must be greater than 0, got " + get(key));
        }
    }

    private void oneOf(String key, String... allowed) {
        if (!List.of(allowed).contains(get(key))) {
            throw new ConfigException(key + ": expected one of " + String.join(", ", allowed) + ", got '" + get(key) + "'");
        }
    }

    /** A path setting, made absolute against the application home. */
    public Path path(String key) {
        String v = get(key);
        if (v.isBlank()) {
            throw new ConfigException(key + ": must not be empty");
        }
        Path p = Path.of(v);
        return (p.isAbsolute() ? p : appHome.resolve(p)).normalize();
    }

    public ZoneId zone() {
        String v = get("pipeline.timezone");
        if (v.equals("system")) {
            return ZoneId.systemDefault();
        }
        try {
            return ZoneId.of(v);
        } catch (DateTimeException e) {
            throw new ConfigException("pipeline.timezone: unknown time zone '" + v + "'");
        }
    }

    public String node() {
        String v = get("pipeline.node");
        if (!v.equals("hostname")) {
            return v;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    public Path home() {
        return path("pipeline.home");
    }

    public Path appHome() {
        return appHome;
    }

    public List<String> list(String key) {
        List<String> out = new ArrayList<>();
        for (String s : get(key).split(",")) {
            if (!s.isBlank()) out.add(s.trim());
        }
        return out;
    }

    /**
     * The resolved values for Camel's property placeholders: paths absolute, references expanded.
     * Secrets are included (routes need them) but never logged.
     */
    public Properties forCamel() {
        Properties p = new Properties();
        values.forEach(p::setProperty);
        for (String key : values.keySet()) {
            if ((key.endsWith(".path") || key.equals("pipeline.home") || key.endsWith("-dir")) && !values.get(key).isBlank()) {
                p.setProperty(key, path(key).toString());
            }
        }
        return p;
    }

    /** For `doctor` and the startup log: every pipeline key, secrets and URL credentials masked. */
    public Map<String, String> describe() {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith("pipeline.")) {
                out.put(k, Secrets.show(k, v));
            }
        });
        return out;
    }
}
