package io.mediapipeline.notify;

import io.mediapipeline.config.Secrets;
import java.util.regex.Pattern;

/**
 * One message as a person reads it: a short title, a few plain lines, a priority (1 lowest .. 5 urgent, as ntfy
 * counts). Everything that goes into one passes through {@link #clean}: no secret, no full path.
 *
 * @param kind attention, reminder, resolved, failures or summary (the outbox's kinds)
 */
public record Notice(String kind, String title, String body, int priority) {

    // an absolute path: "/" and at least one more segment; only its last segment (the file name) is kept
    private static final Pattern PATH = Pattern.compile("(?<![\\w.:/])(?:/[^\\s/:,;'\"()\\[\\]]+)+/([^\\s/:,;'\"()\\[\\]]+)");
    private static final int MAX_BODY = 3500;

    public Notice {
        title = ascii(clean(title));
        body = clean(body);
        if (body.length() > MAX_BODY) {
            body = body.substring(0, MAX_BODY - 1) + "…";
        }
        priority = Math.max(1, Math.min(5, priority));
    }

    /** The text with URL credentials masked and every absolute path cut down to its file name. */
    static String clean(String text) {
        if (text == null) {
            return "";
        }
        return PATH.matcher(Secrets.mask(text)).replaceAll("$1").strip();
    }

    /** Titles travel as HTTP headers (ntfy's Title), which carry ASCII only. */
    private static String ascii(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> out.append(c >= 0x20 && c < 0x7f ? (char) c : c == '—' || c == '–' ? '-' : '?'));
        return out.toString();
    }

    /** The title and the body as one text, for channels without a title of their own (Telegram, any endpoint). */
    public String text() {
        return title + "\n" + body;
    }
}
