package io.mediapipeline.notify;

import io.mediapipeline.status.Wording;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The daily summary (route notify-summary, on its Quartz schedule): the last 24 hours from the ledger, as a person
 * reads them, written to the outbox like every notice. It also clears old notices (see {@link Outbox#prune}).
 */
public class DailySummary {

    /** The figures of one day; pending and in error are now, the others over the last 24 hours. */
    record Figures(long filesIn, long duplicates, long bytesSaved, long deliveredPixel, long deliveredIcloud,
                   long failed, long quarantined, long pending, long inError) {
    }

    private final Outbox outbox;
    private final Clock clock;

    DailySummary(Outbox outbox, Clock clock) {
        this.outbox = outbox;
        this.clock = clock;
    }

    public Figures compose() {
        Instant now = clock.instant();
        return outbox.inTx(j -> {
            Timestamp since = Timestamp.from(now.minus(Duration.ofDays(1)));
            Figures f = j.queryForObject("""
                    select (select count(*) from media_files where created_at > ?),
                           (select count(*) from source_files where disposition = 'duplicate' and updated_at > ?),
                           (select coalesce(sum(space_saved), 0) from media_files
                             where compress_decision = 'compressed' and compressed_at > ? and space_saved > 0),
                           (select count(*) from deliveries where target = 'pixel' and state = 'confirmed' and confirmed_at > ?),
                           (select count(*) from deliveries where target = 'icloud' and state = 'confirmed' and confirmed_at > ?),
                           (select count(*) from file_events where entity = 'media_file' and to_state = 'error' and created_at > ?),
                           (select count(*) from file_events where entity = 'source_file' and to_state = 'quarantined' and created_at > ?),
                           (select count(*) from media_files where status in ('ingesting', 'ingested', 'archived')),
                           (select count(*) from media_files where status = 'error')""",
                    (rs, i) -> new Figures(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                            rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9)),
                    since, since, since, since, since, since, since);
            outbox.add(j, notice(f), now);
            outbox.prune(j, now);
            return f;
        });
    }

    static Notice notice(Figures f) {
        String body = "Last 24 hours:"
                + "\nFiles in: " + f.filesIn() + (f.duplicates() > 0 ? " (" + f.duplicates() + " duplicates set aside)" : "")
                + "\nSpace saved by compression: " + Wording.bytes(f.bytesSaved())
                + "\nDelivered to the Pixel: " + f.deliveredPixel()
                + "\nDelivered to iCloud: " + f.deliveredIcloud()
                + "\nFailed: " + f.failed() + ", quarantined: " + f.quarantined()
                + "\nNow waiting: " + f.pending() + ", in error: " + f.inError();
        boolean trouble = f.failed() + f.quarantined() + f.inError() > 0;
        return new Notice("summary", "Daily summary: " + Wording.count(f.filesIn(), "new file") + (trouble ? ", some failed" : ""), body, 2);
    }
}
