package io.mediapipeline.config;

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
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole configuration as a layered map with typed getters; it knows no feature. Loading refuses an
 * unknown key (with a "did you mean"); each feature's record reads its values through the typed getters,
 * which fail with one line naming the key, before Camel starts (instead of a stack trace from a route).
 *
 * <p>Layers, later wins: the defaults shipped in the jar (a copy of config/application.properties,
 * which is also the list of known keys), config/application.properties, the --config file,
 * environment variables (PIPELINE_DB_URL for pipeline.db.url), then -D system properties.
 */
public final class Settings {

    private static final Pattern REF = Pattern.compile("\\$\\{([^}]+)}");

    private final Map<String, String> values;
    private final Map<String, String> origins;
    private final Path appHome;

    private Settings(Map<String, String> values, Map<String, String> origins, Path appHome) {
        this.values = values;
        this.origins = origins;
        this.appHome = appHome;
    }

    /**
     * A family of per-name keys, {@code prefix + NAME + "." + suffix}, accepted for the names listed in
     * {@code listKey} (a feature describes its own, so this class needs to know none).
     */
    public record Family(String listKey, String prefix, Pattern name, Set<String> suffixes) {

        boolean accepts(String key) {
            if (!key.startsWith(prefix)) {
                return false;
            }
            String rest = key.substring(prefix.length());
            int dot = rest.indexOf('.');
            return dot > 0 && name.matcher(rest.substring(0, dot)).matches() && suffixes.contains(rest.substring(dot + 1));
        }
    }

    /** Loads the layers with no per-name key family; see {@link #load(Path, Path, Map, Properties, List)}. */
    public static Settings load(Path appHome, Path overrideFile, Map<String, String> env, Properties system) {
        return load(appHome, overrideFile, env, system, List.of());
    }

    /**
     * Loads the layers and checks that every key is known (or belongs to a family); throws {@link ConfigException}
     * naming the first bad key. Values are checked by each feature's record when it reads them.
     */
    public static Settings load(Path appHome, Path overrideFile, Map<String, String> env, Properties system,
                                List<Family> families) {
        Map<String, String> merged = new LinkedHashMap<>();
        Properties defaults = readClasspath("META-INF/media-pipeline/application.properties");
        defaults.stringPropertyNames().forEach(k -> merged.put(k, defaults.getProperty(k).trim()));
        Map<String, String> known = new LinkedHashMap<>(merged);
        Map<String, String> origins = new LinkedHashMap<>();

        Path main = appHome.resolve("config/application.properties");
        if (Files.isRegularFile(main)) {
            layer(merged, origins, known, families, readFile(main), main);
        }
        if (overrideFile != null) {
            if (!Files.isRegularFile(overrideFile)) {
                throw new ConfigException("--config " + overrideFile + ": no such file");
            }
            layer(merged, origins, known, families, readFile(overrideFile), overrideFile);
        }
        known.keySet().forEach(key -> overrideFrom(key, merged, origins, env, system));
        // Per-name keys exist only for the names listed; they too come from the environment and -D.
        for (Family family : families) {
            for (String name : split(merged.getOrDefault(family.listKey(), ""))) {
                for (String suffix : family.suffixes()) {
                    overrideFrom(family.prefix() + name + "." + suffix, merged, origins, env, system);
                }
            }
        }
        Map<String, String> resolved = new LinkedHashMap<>();
        for (String key : merged.keySet()) {
            resolved.put(key, interpolate(key, merged, 0));
        }
        return new Settings(resolved, origins, appHome.toAbsolutePath().normalize());
    }

    /** The environment variable that sets a key: pipeline.db.url is PIPELINE_DB_URL. */
    public static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static void overrideFrom(String key, Map<String, String> merged, Map<String, String> origins,
                                     Map<String, String> env, Properties system) {
        String fromEnv = env.get(environmentName(key));
        if (fromEnv != null) {
            merged.put(key, fromEnv.trim());
            origins.put(key, "the environment variable " + environmentName(key));
        }
        if (system.containsKey(key)) {
            merged.put(key, system.getProperty(key).trim());
            origins.put(key, "-D" + key);
        }
    }

    private static void layer(Map<String, String> merged, Map<String, String> origins, Map<String, String> known,
                              List<Family> families, Properties props, Path origin) {
        ConfigFilePermissions.warnIfReadable(origin, props);
        for (String key : props.stringPropertyNames()) {
            if (key.startsWith("pipeline.") && !known.containsKey(key) && families.stream().noneMatch(f -> f.accepts(key))) {
                throw new ConfigException("unknown setting " + key + " in " + origin + suggestion(key, known));
            }
            merged.put(key, props.getProperty(key).trim());
            origins.put(key, origin.toString());
        }
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

    /**
     * Where a key's value came from, for a message that points the operator there: a settings file's path, "the
     * environment variable PIPELINE_X", "-Dkey", or "the defaults". Never the value.
     */
    public String origin(String key) {
        return origins.getOrDefault(key, "the defaults");
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

    /** A whole number greater than 0. */
    public int positive(String key) {
        int v = integer(key);
        if (v <= 0) {
            throw new ConfigException(key + ": must be greater than 0, got " + get(key));
        }
        return v;
    }

    /** A whole number of 0 or more. */
    public int nonNegative(String key) {
        int v = integer(key);
        if (v < 0) {
            throw new ConfigException(key + ": must be 0 or more, got " + get(key));
        }
        return v;
    }

    public String oneOf(String key, String... allowed) {
        String v = get(key);
        if (!List.of(allowed).contains(v)) {
            throw new ConfigException(key + ": expected one of " + String.join(", ", allowed) + ", got '" + v + "'");
        }
        return v;
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
        return split(get(key));
    }

    private static List<String> split(String value) {
        List<String> out = new ArrayList<>();
        for (String s : value.split(",")) {
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
