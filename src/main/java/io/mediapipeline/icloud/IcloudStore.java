package io.mediapipeline.icloud;

import io.mediapipeline.ledger.Jdbc;
import io.mediapipeline.ledger.LedgerException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** The iCloud source's SQL: account state, attempts, handed-over files (tables from 20261127300000). */
public class IcloudStore {

    /** An account's scheduling state. */
    public record AccountState(String account, String state, int failures, int throttles, Instant nextAttemptAt,
                               String lastOutcome, String lastMessage, Instant lastAttemptAt, Instant lastSuccessAt,
                               Instant authNeededSince, Instant sessionExpiresAt) {
    }

    private final DataSource ds;

    public IcloudStore(DataSource ds) {
        this.ds = ds;
    }

    public AccountState state(String account) {
        update("insert into icloud_accounts (account) values (?) on conflict do nothing", account);
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("""
                select account, state, consecutive_failures, consecutive_throttles, next_attempt_at, last_outcome,
                       last_message, last_attempt_at, last_success_at, auth_needed_since, session_expires_at
                  from icloud_accounts where account = ?""")) {
            ps.setString(1, account);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new AccountState(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getInt(4), instant(rs, 5),
                        rs.getString(6), rs.getString(7), instant(rs, 8), instant(rs, 9), instant(rs, 10), instant(rs, 11));
            }
        } catch (SQLException e) {
            throw new LedgerException("icloud account state: " + e.getMessage(), e);
        }
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
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "insert into icloud_attempts (account, kind, started_at) values (?, ?, ?) returning id")) {
            ps.setString(1, account);
            ps.setString(2, kind);
            ps.setTimestamp(3, Timestamp.from(at));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new LedgerException("icloud attempt: " + e.getMessage(), e);
        }
    }

    public void finishAttempt(long id, RunResult r) {
        update("update icloud_attempts set finished_at = now(), outcome = ?, exit_code = ?, downloaded = ?, message = ? where id = ?",
                r.outcome().label(), r.exitCode(), r.downloaded(), r.reason(), id);
    }

    /** Start times of the attempts since the given instant, oldest first (the circuit breaker's window). */
    public List<Instant> attemptsSince(String account, Instant since) {
        List<Instant> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select started_at from icloud_attempts where account = ? and started_at > ? order by started_at")) {
            ps.setString(1, account);
            ps.setTimestamp(2, Timestamp.from(since));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getTimestamp(1).toInstant());
                }
            }
            return out;
        } catch (SQLException e) {
            throw new LedgerException("icloud attempts: " + e.getMessage(), e);
        }
    }

    public boolean handedOver(String account, String relativePath, long size) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select 1 from icloud_files where account = ? and relative_path = ? and size = ?")) {
            ps.setString(1, account);
            ps.setString(2, relativePath);
            ps.setLong(3, size);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new LedgerException("icloud files: " + e.getMessage(), e);
        }
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

    private void update(String sql, Object... args) {
        Jdbc.inTx(ds, c -> Jdbc.exec(c, sql, args));
    }

    private static Instant instant(ResultSet rs, int i) throws SQLException {
        OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static OffsetDateTime ts(Instant i) {
        return i == null ? null : i.atOffset(ZoneOffset.UTC);
    }
}
