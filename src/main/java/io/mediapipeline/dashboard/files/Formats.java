package io.mediapipeline.dashboard.files;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How the file pages write sizes and times for people. */
final class Formats {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private Formats() {
    }

    static String bytes(long n) {
        double v = n;
        int unit = 0;
        while (Math.abs(v) >= 1024 && unit < UNITS.length - 1) {
            v /= 1024;
            unit++;
        }
        return unit == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, UNITS[unit]);
    }

    /** A time from the ledger in the pipeline's zone; anything else as it is; null as empty. */
    static String time(Object value, ZoneId zone) {
        Instant at = null;
        if (value instanceof Timestamp t) {
            at = t.toInstant();
        } else if (value instanceof OffsetDateTime t) {
            at = t.toInstant();
        } else if (value instanceof Instant t) {
            at = t;
        }
        if (at == null) {
            return value == null ? "" : value.toString();
        }
        return TIME.format(at.atZone(zone));
    }
}
