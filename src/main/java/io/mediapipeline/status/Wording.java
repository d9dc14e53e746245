package io.mediapipeline.status;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The one way the pipeline words times, durations, sizes, counts and progress for people: the log's progress lines,
 * the dashboard and the notifications all call it, so "about 1 h 39 min left" reads the same everywhere.
 */
public final class Wording {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneId.systemDefault());
    private static final String[] UNITS = {"kB", "MB", "GB", "TB", "PB"};

    private Wording() {
    }

    /** "2026-12-02 13:40" in this machine's time zone, or "never" for null. */
    public static String when(Instant t) {
        return t == null ? "never" : WHEN.format(t);
    }

    /** "less than a minute", "5 min", "1 h 39 min", "2 h", "2 d 3 h" (rounded down). */
    public static String duration(Duration d) {
        long minutes = d.toMinutes();
        if (minutes < 1) {
            return "less than a minute";
        }
        if (minutes < 60) {
            return minutes + " min";
        }
        long hours = d.toHours();
        if (hours < 48) {
            long m = minutes % 60;
            return hours + " h" + (m > 0 ? " " + m + " min" : "");
        }
        long h = hours % 24;
        return d.toDays() + " d" + (h > 0 ? " " + h + " h" : "");
    }

    /** "12 B", "830 kB", "1.5 GB": decimal units, as disks are sold and as the Files app shows them. */
    public static String bytes(long n) {
        if (n < 1000) {
            return n + " B";
        }
        double v = n;
        int i = -1;
        while (v >= 1000 && i < UNITS.length - 1) {
            v /= 1000;
            i++;
        }
        if (v >= 999.95 && i < UNITS.length - 1) { // 999,960 B is "1.0 MB", not "1000 kB"
            v /= 1000;
            i++;
        }
        return String.format(Locale.ROOT, v < 9.95 ? "%.1f %s" : "%.0f %s", v, UNITS[i]);
    }

    /** "1 file", "1,234 files": a count with its noun, plural by an "s". */
    public static String count(long n, String noun) {
        return String.format(Locale.ROOT, "%,d %s%s", n, noun, n == 1 ? "" : "s");
    }

    /** "12.5 files/min, about 1 h 39 min left", "…, less than a minute left", or that nothing moves. */
    public static String pace(Progress p) {
        if (p.timeLeft().isEmpty()) {
            return "no progress in the last minutes";
        }
        Duration left = p.timeLeft().get();
        return String.format(Locale.ROOT, "%.1f files/min, %s left", p.perMinute(),
                left.toMinutes() < 1 ? "less than a minute" : "about " + duration(left));
    }

    /** One progress line: {@code compress: 1,234 files left, 12.5 files/min, about 1 h 39 min left}. */
    public static String progress(String what, Progress p) {
        return what + ": " + count(p.left(), "file") + " left, " + pace(p);
    }
}
