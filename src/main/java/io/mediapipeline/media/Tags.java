package io.mediapipeline.media;

import java.util.Map;

/** Typed look-ups in an exiftool tag map, where -n values arrive as numbers or strings depending on the tag. */
public final class Tags {

    private Tags() {
    }

    /** The first of the keys that has a non-blank value, as text. */
    public static String text(Map<String, Object> tags, String... keys) {
        for (String key : keys) {
            Object value = tags.get(key);
            if (value != null && !(value instanceof Map) && !(value instanceof Iterable)) {
                String s = String.valueOf(value).strip();
                if (!s.isEmpty()) {
                    return s;
                }
            }
        }
        return null;
    }

    /** The first of the keys that holds a number (or a string that is one). */
    public static Double number(Map<String, Object> tags, String... keys) {
        for (String key : keys) {
            Object value = tags.get(key);
            if (value instanceof Number n) {
                return n.doubleValue();
            }
            if (value instanceof String s) {
                try {
                    return Double.parseDouble(s.strip());
                } catch (NumberFormatException ignored) {
                    // not this one
                }
            }
        }
        return null;
    }
}
