package io.mediapipeline.status;

import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.jdbc.core.JdbcTemplate;

/** Rows for the status tests, written the way the stages write them (through the status machine's legal steps). */
final class StatusLedger {

    private static final AtomicLong SEQ = new AtomicLong();
    private final JdbcTemplate sql;

    StatusLedger(JdbcTemplate sql) {
        this.sql = sql;
    }

    /** Empties every table the status reads (truncate: file_events refuses row deletes). */
    void empty() {
        sql.execute("""
                truncate file_events, scrub_findings, scrub_runs, local_removals, deliveries, batches, duplicate_files,
                         source_files, icloud_files, icloud_accounts, icloud_attempts, icloud_removals, media_files
                restart identity cascade""");
    }

    /** A new file, walked along the main line to {@code status} ("error:FROM:stage" fails it in FROM). */
    UUID media(String status) {
        long n = SEQ.incrementAndGet();
        UUID id = sql.queryForObject("""
                insert into media_files (sha256, size, kind, format, extension, source, original_name)
                values (?, 1000, 'photo', 'jpeg', 'jpg', 'folder', ?) returning id""", UUID.class,
                String.format("%064x", n), "f" + n + ".jpg");
        String[] parts = status.split(":");
        String target = parts[0].equals("error") ? parts[1] : parts[0];
        for (String step : new String[] {"ingested", "archived", "verified", "cleaned"}) {
            if (order(step) > order(target)) {
                break;
            }
            switch (step) {
                case "ingested" -> sql.update("update media_files set status = 'ingested', original_path = ? where id = ?",
                        "/home/originals/" + n + ".jpg", id);
                case "archived" -> sql.update("update media_files set status = 'archived', archive_path = ? where id = ?",
                        "/home/sorted/" + n + ".jpg", id);
                case "verified" -> sql.update("update media_files set status = 'verified', verified_at = now() where id = ?", id);
                default -> sql.update("update media_files set status = 'cleaned' where id = ?", id);
            }
        }
        if (parts[0].equals("error")) {
            sql.update("update media_files set status = 'error', error = ? where id = ?", parts[2] + ": it failed", id);
        }
        return id;
    }

    private static int order(String status) {
        return switch (status) {
            case "ingesting" -> 0;
            case "ingested" -> 1;
            case "archived" -> 2;
            case "verified" -> 3;
            default -> 4;
        };
    }

    void set(UUID id, String assignments, Object... args) {
        Object[] all = new Object[args.length + 1];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = id;
        sql.update("update media_files set " + assignments + " where id = ?", all);
    }

    void delivery(UUID id, String target, String state, Instant confirmedAt) {
        sql.update("insert into deliveries (media_file_id, target, state, confirmed_at) values (?, ?, ?, ?)", id, target,
                state, confirmedAt == null ? null : Timestamp.from(confirmedAt));
    }

    void input(String source, String path, String disposition) {
        sql.update("insert into source_files (source, source_key, source_path, disposition) values (?, ?, ?, ?)", source,
                source + ":" + path + "|" + SEQ.incrementAndGet(), path, disposition);
    }

    void handedOver(String account, String relativePath) {
        sql.update("insert into icloud_files (account, relative_path, size) values (?, ?, 10)", account, relativePath);
    }

    void finding(UUID id, String state) {
        sql.update("""
                insert into scrub_findings (media_file_id, copy, path, kind, state) values (?, 'original', ?, 'changed', ?)""",
                id, "/home/originals/" + id, state);
    }

    void removalError(UUID id) {
        sql.update("""
                insert into local_removals (media_file_id, kind, path, state, reason) values (?, 'bridge', ?, 'error', 'gone')""",
                id, "bridge/pixel/" + id);
    }

    void account(String name, String state, Instant authNeededSince, Instant sessionExpiresAt) {
        sql.update("""
                insert into icloud_accounts (account, state, auth_needed_since, session_expires_at) values (?, ?, ?, ?)
                on conflict (account) do update set state = excluded.state, auth_needed_since = excluded.auth_needed_since,
                       session_expires_at = excluded.session_expires_at""", name, state,
                authNeededSince == null ? null : Timestamp.from(authNeededSince),
                sessionExpiresAt == null ? null : Timestamp.from(sessionExpiresAt));
    }

    /** Every stage on, the defaults otherwise; {@code minFiles} and {@code refresh} as the test needs. */
    static StatusConfig config(Path home, long minFiles, Duration refresh) {
        Map<String, Boolean> on = new HashMap<>();
        for (String s : StatusConfig.STAGES) {
            on.put(s, true);
        }
        on.put("icloud", true);
        return new StatusConfig(refresh, 7, Duration.ofHours(24), minFiles, Duration.ofMinutes(10),
                Duration.ofMinutes(5), home, 30, on);
    }

    /** A clock the test moves. */
    static final class TestClock implements java.util.function.Supplier<Instant> {
        private final java.util.concurrent.atomic.AtomicReference<Instant> now;

        TestClock(Instant start) {
            now = new java.util.concurrent.atomic.AtomicReference<>(start);
        }

        void advance(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }

        Instant instant() {
            return now.get();
        }

        @Override
        public Instant get() {
            return now.get();
        }
    }
}
