package io.mediapipeline.notify;

import io.mediapipeline.ledger.LedgerSql;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.function.Function;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The notices waiting for their channel (table notify_outbox). Whatever decides a notice writes it here in its own
 * transaction; {@link Sender} takes them out once a channel accepted them, so nothing is lost on a restart or a
 * failed send and nothing is marked sent that was not.
 */
final class Outbox {

    record Row(long id, String kind, String title, String body, int priority, Instant createdAt) {
    }

    /** The oldest unsent notices of a channel, and how many wait in all. */
    record Batch(List<Row> rows, long waiting) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);
    /** Notices for a channel taken out of the settings are kept this long (in case it comes back), then dropped. */
    static final Duration ORPHAN_KEPT = Duration.ofDays(7);
    /** Sent notices are kept this long: what went out, and when. */
    static final Duration SENT_KEPT = Duration.ofDays(30);

    private final LedgerSql sql;
    private final List<String> channels;

    Outbox(DataSource ds, List<String> channels) {
        this.sql = new LedgerSql(ds);
        this.channels = List.copyOf(channels);
    }

    <T> T inTx(Function<JdbcTemplate, T> work) {
        return sql.inTx(work);
    }

    /** One row per channel, inside the caller's transaction. */
    void add(JdbcTemplate j, Notice n, Instant at) {
        for (String channel : channels) {
            j.update("insert into notify_outbox (channel, kind, title, body, priority, created_at) values (?, ?, ?, ?, ?, ?)",
                    channel, n.kind(), n.title(), n.body(), n.priority(), Timestamp.from(at));
        }
    }

    /** At most {@code limit} of the oldest unsent notices (a channel down for days must not make every tick heavier). */
    Batch unsent(String channel, int limit) {
        long[] waiting = {0};
        List<Row> rows = sql.query("""
                select id, kind, title, body, priority, created_at, count(*) over () from notify_outbox
                 where channel = ? and sent_at is null order by id limit ?""",
                (rs, i) -> {
                    waiting[0] = rs.getLong(7);
                    return new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                            rs.getTimestamp(6).toInstant());
                }, channel, limit);
        return new Batch(rows, waiting[0]);
    }

    /**
     * Inside the caller's transaction: drops notices sent more than a month ago, and unsent ones older than a week
     * for a channel that is no longer configured (nothing would ever send them), saying so in the log.
     */
    void prune(JdbcTemplate j, Instant now) {
        j.update("delete from notify_outbox where sent_at < ?", Timestamp.from(now.minus(SENT_KEPT)));
        List<String> dropped = j.queryForList("""
                delete from notify_outbox
                 where sent_at is null and created_at < ? and not (channel = any (string_to_array(?, ',')))
                returning channel""", String.class, Timestamp.from(now.minus(ORPHAN_KEPT)), String.join(",", channels));
        new TreeMap<>(dropped.stream().collect(Collectors.groupingBy(c -> c, Collectors.counting()))).forEach((c, n) ->
                LOG.warn("Dropped {} unsent notice(s) for channel {}: it is no longer configured and they are older"
                        + " than {} days", n, c, ORPHAN_KEPT.toDays()));
    }

    /** Messages the channel accepted since {@code since} (notices folded into another one are not messages). */
    int sentSince(String channel, Instant since) {
        return sql.inTx(j -> j.queryForObject("""
                select count(*) from notify_outbox
                 where channel = ? and sent_at > ? and folded_into is null""", Integer.class, channel, Timestamp.from(since)));
    }

    void sent(Row carrier, List<Row> folded, Instant at) {
        sql.inTx(j -> {
            j.update("update notify_outbox set sent_at = ?, attempts = attempts + 1, last_error = null where id = ?",
                    Timestamp.from(at), carrier.id());
            for (Row r : folded) {
                j.update("update notify_outbox set sent_at = ?, folded_into = ?, attempts = attempts + 1, last_error = null"
                        + " where id = ?", Timestamp.from(at), carrier.id(), r.id());
            }
            return null;
        });
    }

    void failed(List<Row> rows, String error) {
        sql.inTx(j -> {
            for (Row r : rows) {
                j.update("update notify_outbox set attempts = attempts + 1, last_error = ? where id = ?", error, r.id());
            }
            return null;
        });
    }
}
