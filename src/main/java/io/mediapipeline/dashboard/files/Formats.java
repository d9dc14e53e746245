package io.mediapipeline.dashboard.files;

import io.mediapipeline.dashboard.Format;
import java.sql.Timestamp;
import java.time.OffsetDateTime;

/** A time as the ledger returns it, written as the rest of the dashboard writes times; empty for none. */
final class Formats {

    private Formats() {
    }

    static String time(Object value) {
        if (value instanceof Timestamp t) {
            return Format.when(t.toInstant());
        }
        if (value instanceof OffsetDateTime t) {
            return Format.when(t.toInstant());
        }
        return value == null ? "" : value.toString();
    }
}
