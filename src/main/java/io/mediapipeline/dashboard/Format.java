package io.mediapipeline.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How the dashboard writes times, durations and sizes: short and readable. */
public final class Format {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private Format() {
    }

    /** "2026-12-02 13:40", or "never" for null. */
    public static String when(Instant t) {
        return t == null ? "never" : WHEN.format(t);
    }

    /** "2 h 05 min", "4 min", "under a minute". */
    public static String duration(Duration d) {
        long min = d.toMinutes();
        if (min < 1) {
            return "under a minute";
        }
        if (min < 60) {
            return min + " min";
        }
        long h = min / 60;
        if (h < 48) {
            return String.format(Locale.ROOT, "%d h %02d min", h, min % 60);
        }
        return (h / 24) + " days";
    }

    /** "1.5 GB", "830 kB", "12 B" (decimal units, as disks are sold). */
    public static String bytes(long n) {
        if (n < 1000) {
            return n + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB", "PB"};
        double v = n;
        int i = -1;
        while (v >= 1000 && i < units.length - 1) {
            v /= 1000;
            i++;
        }
        return String.format(Locale.ROOT, v < 10 ? "%.1f %s" : "%.0f %s", v, units[i]);
    }
}
