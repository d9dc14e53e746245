package io.mediapipeline.notify;

import io.mediapipeline.ledger.LedgerSql;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The notices waiting for their channel (table notify_outbox). Whatever decides a notice writes it here in its own
 * transaction; {@link Sender} takes them out once a channel accepted them, so nothing is lost on a restart or a
 * failed send and nothing is marked sent that was not.
 */
final class Outbox {

    record Row(long id, String kind, String title, String body, int priority, Instant createdAt) {
    }

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

    List<Row> unsent(String channel) {
        return sql.query("""
                select id, kind, title, body, priority, created_at from notify_outbox
                 where channel = ? and sent_at is null order by id""",
                (rs, i) -> new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                        rs.getTimestamp(6).toInstant()), channel);
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
