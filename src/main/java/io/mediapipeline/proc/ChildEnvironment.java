package io.mediapipeline.proc;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The environment every child process gets: a short allow-list copied from the JVM's environment plus
 * what the caller names. The JVM's environment holds the pipeline's secrets (PIPELINE_*PASSWORD,
 * API keys, tokens); a media tool parsing an untrusted file must not be able to read them from its own.
 */
public final class ChildEnvironment {

    /** The only names a child inherits from the JVM. */
    public static final List<String> ALLOWED = List.of("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "HOME");

    private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    private ChildEnvironment() {
    }

    /** The allow-listed part of {@code parent}, then {@code extras} (which win). */
    public static Map<String, String> of(Map<String, String> parent, Map<String, String> extras) {
        Map<String, String> env = new TreeMap<>();
        for (String name : ALLOWED) {
            String value = parent.get(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        // without PATH a tool that starts helpers by name (exiftool, syncthing) would find none
        env.putIfAbsent("PATH", DEFAULT_PATH);
        env.putAll(extras);
        return env;
    }
}
