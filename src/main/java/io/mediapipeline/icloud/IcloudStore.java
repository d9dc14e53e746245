package io.mediapipeline.icloud;

import io.mediapipeline.ledger.LedgerSql;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import javax.sql.DataSource;

/** The iCloud source's SQL: account state, attempts, handed-over files (tables from 20261127300000). */
public class IcloudStore {

    /** An account's scheduling state. */
    public record AccountState(String account, String state, int failures, int throttles, Instant nextAttemptAt,
                               String lastOutcome, String lastMessage, Instant lastAttemptAt, Instant lastSuccessAt,
                               Instant authNeededSince, Instant sessionExpiresAt) {
    }

    private final LedgerSql sql;

    public IcloudStore(DataSource ds) {
        this.sql = new LedgerSql(ds);
    }

    public AccountState state(String account) {
        update("insert into icloud_accounts (account) values (?) on conflict do nothing", account);
        return sql.autoCommit("icloud account state", j -> j.queryForObject("""
                select account, state, consecutive_failures, consecutive_throttles, next_attempt_at, last_outcome,
                       last_message, last_attempt_at, last_success_at, auth_needed_since, session_expires_at
                  from icloud_accounts where account = ?""",
                (rs, n) -> new AccountState(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getInt(4), instant(rs, 5),
                        rs.getString(6), rs.getString(7), instant(rs, 8), instant(rs, 9), instant(rs, 10), instant(rs, 11)),
                account));
    }

    public void save(AccountState s) {
        update("""
                update icloud_accounts set state = ?, consecutive_failures = ?, consecutive_throttles = ?,
                       next_attempt_at = ?, last_outcome = ?, last_message = ?, last_attempt_at = ?, last_success_at = ?,
                       auth_needed_since = ?, session_expires_at = ?, updated_at = now()
                 where account = ?""", s.state(), s.failures(), s.throttles(), ts(s.nextAttemptAt()), s.lastOutcome(),
                s.lastMessage(), ts(s.lastAttemptAt()), ts(s.lastSuccessAt()), ts(s.authNeededSince()),
                ts(s.sessionExpiresAt()), s.account());
    }

    public long startAttempt(String account, String kind, Instant at) {
        return sql.autoCommit("icloud attempt", j -> j.queryForObject(
                "insert into icloud_attempts (account, kind, started_at) values (?, ?, ?) returning id", Long.class,
                account, kind, Timestamp.from(at)));
    }

    public void finishAttempt(long id, RunResult r) {
        update("update icloud_attempts set finished_at = now(), outcome = ?, exit_code = ?, downloaded = ?, message = ? where id = ?",
                r.outcome().label(), r.exitCode(), r.downloaded(), r.reason(), id);
    }

    public void finishUpload(long id, String outcome, int uploaded, String message) {
        update("update icloud_attempts set finished_at = now(), outcome = ?, uploaded = ?, message = ? where id = ?",
                outcome, uploaded, message, id);
    }

    /** Start times of the attempts since the given instant, oldest first (the circuit breaker's window). */
    public List<Instant> attemptsSince(String account, Instant since) {
        return sql.autoCommit("icloud attempts", j -> j.query(
                // every icloudpd start counts; an upload batch only when Apple pushed back (throttled, sign-in refused), so
                // a library going up in many small batches does not use up the hour's budget of the download
                """
                select started_at from icloud_attempts
                 where account = ? and started_at > ?
                   and (kind <> 'upload' or outcome in ('throttled', 'auth-needed'))
                 order by started_at""",
                (rs, n) -> rs.getTimestamp(1).toInstant(), account, Timestamp.from(since)));
    }

    public boolean handedOver(String account, String relativePath, long size) {
        return !sql.autoCommit("icloud files", j -> j.query(
                "select 1 from icloud_files where account = ? and relative_path = ? and size = ?", (rs, n) -> 1,
                account, relativePath, size)).isEmpty();
    }

    public void recordHandover(String account, String relativePath, long size) {
        update("""
                insert into icloud_files (account, relative_path, size) values (?, ?, ?)
                on conflict (account, relative_path) do update set size = excluded.size, handed_at = now()""",
                account, relativePath, size);
    }

    public void log(String level, String message) {
        update("insert into pipeline_logs (stage, level, message) values ('download-icloud', ?, ?)", level, message);
    }

    private void update(String statement, Object... args) {
        sql.update(statement, args);
    }

    private static Instant instant(ResultSet rs, int i) throws SQLException {
        OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static OffsetDateTime ts(Instant i) {
        return i == null ? null : i.atOffset(ZoneOffset.UTC);
    }
}
