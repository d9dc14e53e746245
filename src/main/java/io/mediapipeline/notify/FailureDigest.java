package io.mediapipeline.notify;

import io.mediapipeline.status.Wording;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * New failures (route notify-failures, each tick): media files that went to 'error' and inputs set aside in
 * quarantine, read from file_events after a cursor kept in the ledger (notify_cursor), at most one notice per
 * failures.group-minutes, counted per stage and reason with a few file names. The notice and the cursor move in one
 * transaction, so a restart neither sends a failure twice nor skips one. The first start begins at the newest event
 * (no flood of old failures). Only events of finished transactions are read (file_events.txid below the oldest
 * transaction still open), in (txid, id) order: ids and times are handed out before a transaction commits, so going by
 * them could pass over an event that commits later; a transaction left open delays the notice, it loses nothing.
 */
public class FailureDigest {

    static final String CURSOR = "failures";
    private static final int GROUPS = 6;
    private static final int NAMES = 3;
    private static final java.util.regex.Pattern HEX = java.util.regex.Pattern.compile("\\b[0-9a-f]{16,}(\\.\\w+)?\\b");

    record Failure(String stage, String reason, String name, Instant at) {
    }

    /** A place in file_events: the writing transaction (xid8, as text) and the event's id. */
    private record Cursor(String txid, long id) {
    }

    private final Outbox outbox;
    private final Duration group;
    private final Clock clock;

    FailureDigest(Outbox outbox, Duration group, Clock clock) {
        this.outbox = outbox;
        this.group = group;
        this.clock = clock;
    }

    /** Composes the failures notice when one is due; returns how many failures it counts (0: none composed). */
    public int compose() {
        Instant now = clock.instant();
        return outbox.inTx(j -> {
            List<Cursor> cursor = j.query("select last_txid::text, last_event_id from notify_cursor where name = ? for update",
                    (rs, i) -> new Cursor(rs.getString(1), rs.getLong(2)), CURSOR);
            if (cursor.isEmpty()) {
                // every transaction still open may yet add failures: start just below the oldest of them
                j.update("insert into notify_cursor (name, last_txid, last_event_id, updated_at)"
                        + " values (?, pg_snapshot_xmin(pg_current_snapshot()), 0, ?)", CURSOR, Timestamp.from(now));
                return 0;
            }
            Timestamp last = j.queryForObject("select max(created_at) from notify_outbox where kind = 'failures'",
                    Timestamp.class);
            if (last != null && last.toInstant().plus(group).isAfter(now)) {
                return 0;
            }
            Cursor from = cursor.get(0);
            List<Cursor> newest = j.query("""
                    select txid::text, id from file_events
                     where txid < pg_snapshot_xmin(pg_current_snapshot()) and (txid, id) > (?::xid8, ?)
                     order by txid desc, id desc limit 1""", (rs, i) -> new Cursor(rs.getString(1), rs.getLong(2)),
                    from.txid(), from.id());
            if (newest.isEmpty()) {
                return 0;
            }
            Cursor upTo = newest.get(0);
            List<Failure> failures = j.query("""
                    select e.entity, e.detail, coalesce(m.original_name, s.source_path), e.created_at
                      from file_events e
                      left join media_files m on m.id = e.media_file_id and e.entity = 'media_file'
                      left join source_files s on s.id = e.source_file_id
                     where (e.txid, e.id) > (?::xid8, ?) and (e.txid, e.id) <= (?::xid8, ?)
                       and (e.entity = 'media_file' and e.to_state = 'error'
                            or e.entity = 'source_file' and e.to_state = 'quarantined')
                     order by e.txid, e.id""", (rs, i) -> failure(rs.getString(1), rs.getString(2), rs.getString(3),
                    rs.getTimestamp(4).toInstant()), from.txid(), from.id(), upTo.txid(), upTo.id());
            if (!failures.isEmpty()) {
                outbox.add(j, notice(failures, now), now);
            }
            j.update("update notify_cursor set last_txid = ?::xid8, last_event_id = ?, updated_at = ? where name = ?",
                    upTo.txid(), upTo.id(), Timestamp.from(now), CURSOR);
            return failures.size();
        });
    }

    /** A media file's error reads "stage: reason"; a quarantined input's detail is its reason. */
    static Failure failure(String entity, String detail, String name, Instant at) {
        String d = detail == null ? "" : detail.strip();
        String stage;
        String reason;
        if (entity.equals("source_file")) {
            stage = "quarantined";
            reason = d;
        } else {
            int colon = d.indexOf(": ");
            stage = colon > 0 && colon < 30 ? d.substring(0, colon) : "failed";
            reason = colon > 0 && colon < 30 ? d.substring(colon + 2) : d;
        }
        String file = name == null ? "?" : name.substring(name.lastIndexOf('/') + 1);
        reason = Notice.clean(reason);
        int nl = reason.indexOf('\n');
        reason = nl >= 0 ? reason.substring(0, nl) : reason;
        // the same failure of many files reads the same: without the file's own name or its hash-named queue copy
        if (file.length() > 2) {
            reason = reason.replace(file, "…");
        }
        reason = HEX.matcher(reason).replaceAll("…");
        reason = reason.length() > 80 ? reason.substring(0, 79) + "…" : reason;
        return new Failure(stage, reason.isEmpty() ? "no reason given" : reason, file, at);
    }

    static Notice notice(List<Failure> failures, Instant now) {
        Map<String, List<Failure>> groups = new LinkedHashMap<>();
        for (Failure f : failures) {
            groups.computeIfAbsent(f.stage() + " - " + f.reason(), k -> new ArrayList<>()).add(f);
        }
        List<Map.Entry<String, List<Failure>>> ordered = new ArrayList<>(groups.entrySet());
        ordered.sort(Comparator.comparingInt((Map.Entry<String, List<Failure>> e) -> e.getValue().size()).reversed());
        long quarantined = failures.stream().filter(f -> f.stage().equals("quarantined")).count();
        Instant oldest = failures.stream().map(Failure::at).min(Comparator.naturalOrder()).orElse(now);
        StringBuilder body = new StringBuilder().append(Wording.count(failures.size(), "file")).append(" failed ")
                .append(window(oldest, now)).append(":");
        for (int i = 0; i < ordered.size() && i < GROUPS; i++) {
            List<Failure> g = ordered.get(i).getValue();
            body.append("\n").append(g.size()).append(" ").append(ordered.get(i).getKey()).append(" (");
            g.stream().limit(NAMES).forEach(f -> body.append(f.name()).append(", "));
            body.setLength(body.length() - 2);
            body.append(g.size() > NAMES ? ", ...)" : ")");
        }
        if (ordered.size() > GROUPS) {
            int rest = ordered.subList(GROUPS, ordered.size()).stream().mapToInt(e -> e.getValue().size()).sum();
            body.append("\n").append(rest).append(" more in ").append(ordered.size() - GROUPS).append(" other groups");
        }
        body.append("\nThe dashboard's failures page lists them with a retry where one makes sense.");
        String title = Wording.count(failures.size(), "file") + " failed" + (quarantined > 0 ? " (" + quarantined + " quarantined)" : "");
        return new Notice("failures", title, body.toString(), 4);
    }

    private static String window(Instant oldest, Instant now) {
        Duration d = Duration.between(oldest, now);
        if (d.compareTo(Duration.ofHours(1)) <= 0) {
            return "in the last hour";
        }
        return d.toHours() < 48 ? "in the last " + (d.toHours() + 1) + " hours" : "in the last " + (d.toDays() + 1) + " days";
    }
}
