package io.mediapipeline.dashboard.files;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * A time as the ledger returns it, in the zone the rest of the dashboard shows, to the second: a file's events
 * often come within one minute, and their times should tell them apart. Empty for none.
 */
final class Formats {

    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private Formats() {
    }

    static String time(Object value) {
        Instant at = null;
        if (value instanceof Timestamp t) {
            at = t.toInstant();
        } else if (value instanceof OffsetDateTime t) {
            at = t.toInstant();
        }
        if (at == null) {
            return value == null ? "" : value.toString();
        }
        return SECONDS.format(at);
    }
}
