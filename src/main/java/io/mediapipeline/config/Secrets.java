package io.mediapipeline.config;

import java.util.regex.Pattern;

/**
 * What may be shown of a setting: a secret-named key's value is hidden, and in any text a URL's
 * {@code user:password@} and password-like query parameters are masked, since a database or Syncthing
 * URL can carry its credentials inline.
 */
public final class Secrets {

    public static final String MASK = "******";

    // user:password@, after a scheme or not (a driver may echo "user:password@host" as a host name)
    private static final Pattern USER_PASSWORD = Pattern.compile("([\\w.~%!$&'*+,;=-]+):[^\\s/?#@]+@");
    // a lone user part may itself be a token (https://TOKEN@host)
    private static final Pattern USER_ONLY = Pattern.compile("(://)[^/?#@\\s:]+@");
    private static final Pattern PARAM = Pattern.compile(
            "(?i)([?&;](?:[a-z_.-]*password|passwd|pwd|secret|[a-z_.-]*token|api[-_]?key|apikey|key)=)[^&;#\\s]*");

    private Secrets() {
    }

    /** Keys whose value is a secret: passwords, API keys, tokens. */
    public static boolean isSecretKey(String key) {
        String k = key.toLowerCase(java.util.Locale.ROOT);
        if (k.endsWith("-file")) {
            // where a secret is kept (pipeline.management.token-file) is a path anyone may see
            return false;
        }
        return k.contains("password") || k.contains("api-key") || k.contains("apikey") || k.contains("token")
                || k.contains("secret");
    }

    /** The value as it may be printed for {@code key}. */
    public static String show(String key, String value) {
        if (isSecretKey(key)) {
            return value.isEmpty() ? value : MASK;
        }
        return mask(value);
    }

    /** {@code text} with every URL credential masked. */
    public static String mask(String text) {
        if (text == null) {
            return null;
        }
        String out = USER_PASSWORD.matcher(text).replaceAll("$1:" + MASK + "@");
        out = USER_ONLY.matcher(out).replaceAll("$1" + MASK + "@");
        return PARAM.matcher(out).replaceAll("$1" + MASK);
    }
}
