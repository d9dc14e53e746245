package io.mediapipeline.status;

import io.mediapipeline.ledger.LedgerSql;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * What the ledger says, in five statements however large the library: one pass over media_files (with its Pixel and
 * iCloud deliveries joined by their unique index), one over source_files, one of small look-ups (scrub, cleanup, the
 * iCloud hand-over), the iCloud accounts, and the file history since the last reading (file_events is append-only, so
 * only its new rows are read, by primary key). See {@link LedgerStatus} for what each count means.
 */
final class StatusQueries {

    /** One stage's counts; see {@link StageView}. */
    record Counts(long in, long out, long failed, long queued, Optional<Instant> lastRun, Optional<Instant> lastSuccess) {
    }

    /** An iCloud account as its ledger row says. */
    record Account(String name, String state, Optional<Instant> authNeededSince, Optional<Instant> sessionExpiresAt) {
    }

    /** Everything the snapshot takes from the ledger. */
    record Facts(Map<String, Counts> stages, Totals totals, List<Account> accounts, Optional<Instant> phoneLastConfirmed,
                 long damaged, Optional<Instant> damagedSince) {
    }

    private static final String MEDIA = """
            select count(*) as files, coalesce(sum(m.size), 0) as bytes,
                   coalesce(sum(m.compressed_size), 0) as bytes_compressed,
                   coalesce(sum(m.size - m.compressed_size), 0) as bytes_saved,
                   count(*) filter (where m.status in ('ingesting', 'ingested', 'archived')) as pending,
                   count(*) filter (where m.status = 'error') as errors,
                   count(*) filter (where m.status = 'error' and m.error_from = 'ingesting') as ingest_failed,
                   count(*) filter (where m.original_path is not null) as originals,
                   count(*) filter (where m.archive_path is not null) as organized,
                   count(*) filter (where m.status = 'ingested') as to_organize,
                   count(*) filter (where m.status = 'error' and m.error like 'organize:%') as organize_failed,
                   count(*) filter (where m.compress_decision in ('compressed', 'original', 'skipped')) as compressed,
                   count(*) filter (where m.compress_decision = 'failed') as compress_failed,
                   count(*) filter (where m.compress_decision is null and m.original_path is not null
                                      and m.status <> 'error') as to_compress,
                   max(m.compressed_at) as compress_run,
                   max(m.compressed_at) filter (where m.compress_decision <> 'failed') as compress_success,
                   count(*) filter (where m.status in ('archived', 'verified', 'cleaned')
                                       or m.error_from in ('archived', 'verified', 'cleaned')) as reached_verify,
                   count(*) filter (where m.verified_at is not null) as verified,
                   count(*) filter (where m.status = 'error' and m.error like 'verify:%') as verify_failed,
                   count(*) filter (where m.status = 'archived' and (m.verify_after is null or m.verify_after <= ?)
                                      and (not ? or m.compress_decision is not null)) as to_verify,
                   max(m.verified_at) as verify_success,
                   count(*) filter (where m.status in ('verified', 'cleaned') or m.error_from = 'cleaned') as reached_cleanup,
                   count(*) filter (where m.status = 'cleaned') as cleaned,
                   count(*) filter (where m.status = 'verified') as to_clean,
                   count(*) filter (where m.status in ('archived', 'verified', 'cleaned')) as in_archive,
                   count(*) filter (where m.status in ('archived', 'verified', 'cleaned') and m.scrubbed_at >= ?) as scrubbed,
                   count(p.id) as pixel_rows,
                   count(*) filter (where p.state = 'confirmed') as pixel_confirmed,
                   count(*) filter (where p.state = 'failed') as pixel_failed,
                   count(*) filter (where p.state not in ('confirmed', 'failed')) as pixel_open,
                   count(*) filter (where p.id is null and m.original_path is not null) as pixel_waiting,
                   max(greatest(p.updated_at, p.last_checked_at)) as pixel_run,
                   max(p.confirmed_at) as pixel_success,
                   count(c.id) as icloud_rows,
                   count(*) filter (where c.state = 'confirmed') as icloud_confirmed,
                   count(*) filter (where c.state = 'failed') as icloud_failed,
                   count(*) filter (where c.state not in ('confirmed', 'failed')) as icloud_open,
                   count(*) filter (where c.id is null and m.original_path is not null
                                      and m.status in ('ingested', 'archived', 'verified', 'cleaned')
                                      and m.compress_decision in ('compressed', 'original', 'skipped')) as icloud_waiting,
                   max(c.updated_at) as icloud_run,
                   max(c.confirmed_at) as icloud_success
              from media_files m
              left join deliveries p on p.media_file_id = m.id and p.target = 'pixel'
              left join deliveries c on c.media_file_id = m.id and c.target = 'icloud'""";

    private static final String SOURCES = """
            select count(*) as inputs,
                   count(*) filter (where disposition = 'skipped') as skipped,
                   count(*) filter (where disposition in ('imported', 'duplicate')) as ingested,
                   count(*) filter (where disposition = 'quarantined') as quarantined,
                   count(*) filter (where disposition = 'pending') as pending,
                   max(created_at) as seen,
                   max(created_at) filter (where disposition <> 'skipped') as handed,
                   max(updated_at) filter (where disposition <> 'skipped') as ingest_run,
                   max(updated_at) filter (where disposition in ('imported', 'duplicate')) as ingest_success
              from source_files""";

    // the inbox path of a handed-over download is <home>/inbox/icloud/<account>/<relative path> (the ingest's source_path)
    private static final String SMALL = """
            select (select count(*) from icloud_files i
                     where not exists (select 1 from source_files s
                                        where s.source = 'icloud' and s.source_path = ? || i.account || '/' || i.relative_path))
                       as icloud_waiting,
                   (select max(handed_at) from icloud_files) as icloud_handed,
                   (select max(started_at) from icloud_attempts where kind <> 'upload') as icloud_run,
                   (select max(last_success_at) from icloud_accounts) as icloud_success,
                   (select max(started_at) from scrub_runs) as scrub_run,
                   (select max(finished_at) from scrub_runs where outcome = 'done') as scrub_success,
                   (select count(distinct media_file_id) from scrub_findings where state = 'open') as damaged,
                   (select min(created_at) from scrub_findings where state = 'open') as damaged_since,
                   (select count(distinct media_file_id) from local_removals where state = 'error') as cleanup_failed,
                   (select max(updated_at) from local_removals) as cleanup_run""";

    private static final String ACCOUNTS =
            "select account, state, auth_needed_since, session_expires_at from icloud_accounts order by account";

    // media history since the last reading: when each stage last finished (or failed) a file
    private static final String EVENTS = """
            select to_state, case when to_state = 'error' then split_part(coalesce(detail, ''), ':', 1) else '' end as stage,
                   max(created_at) as at
              from file_events
             where id > ? and id <= ? and entity = 'media_file' and to_state in ('archived', 'verified', 'cleaned', 'error')
             group by 1, 2""";

    private final LedgerSql sql;
    private final StatusConfig cfg;
    private long eventCursor;
    private final Map<String, Instant> lastEvent = new HashMap<>();

    StatusQueries(DataSource ds, StatusConfig cfg) {
        this.sql = new LedgerSql(ds);
        this.cfg = cfg;
    }

    /** Reads the ledger now; throws (a LedgerException) when it cannot be read. */
    synchronized Facts read(Instant now) {
        Map<String, Object> m = one(MEDIA, OffsetDateTime.ofInstant(now, ZoneOffset.UTC), cfg.on("compress"),
                OffsetDateTime.ofInstant(now.minus(java.time.Duration.ofDays(cfg.scrubCycleDays())), ZoneOffset.UTC));
        Map<String, Object> s = one(SOURCES);
        String inbox = cfg.home().resolve("inbox").resolve("icloud") + "/";
        Map<String, Object> x = one(SMALL, inbox);
        List<Account> accounts = sql.query(ACCOUNTS, (rs, n) -> new Account(rs.getString(1), rs.getString(2),
                at(rs, 3), at(rs, 4)));
        readEvents();

        Map<String, Counts> stages = new LinkedHashMap<>();
        long icloudWaiting = n(x, "icloud_waiting");
        long skipped = n(s, "skipped");
        stages.put("sources", new Counts(n(s, "inputs") + icloudWaiting, n(s, "inputs") - skipped, skipped,
                icloudWaiting, latest(t(s, "seen"), t(x, "icloud_run"), t(x, "icloud_handed")),
                latest(t(s, "handed"), t(x, "icloud_success"))));
        stages.put("ingest", new Counts(n(s, "inputs") - skipped, n(s, "ingested"),
                n(s, "quarantined") + n(m, "ingest_failed"), n(s, "pending"), t(s, "ingest_run"), t(s, "ingest_success")));
        long toOrganize = on("organize", n(m, "to_organize"));
        stages.put("organize", new Counts(n(m, "organized") + n(m, "organize_failed") + toOrganize, n(m, "organized"),
                n(m, "organize_failed"), toOrganize, latest(event("archived"), event("error:organize")), event("archived")));
        long toCompress = on("compress", n(m, "to_compress"));
        stages.put("compress", new Counts(n(m, "compressed") + n(m, "compress_failed") + toCompress, n(m, "compressed"),
                n(m, "compress_failed"), toCompress, t(m, "compress_run"), t(m, "compress_success")));
        long pixelQueued = on("pixel", n(m, "pixel_open") + n(m, "pixel_waiting"));
        stages.put("pixel", new Counts(n(m, "pixel_rows") + on("pixel", n(m, "pixel_waiting")), n(m, "pixel_confirmed"),
                n(m, "pixel_failed"), pixelQueued, t(m, "pixel_run"), t(m, "pixel_success")));
        long icloudQueued = on("icloud-upload", n(m, "icloud_open") + n(m, "icloud_waiting"));
        stages.put("icloud-upload", new Counts(n(m, "icloud_rows") + on("icloud-upload", n(m, "icloud_waiting")),
                n(m, "icloud_confirmed"), n(m, "icloud_failed"), icloudQueued, t(m, "icloud_run"), t(m, "icloud_success")));
        stages.put("verify", new Counts(n(m, "reached_verify"), n(m, "verified"), n(m, "verify_failed"),
                on("verify", n(m, "to_verify")), latest(t(m, "verify_success"), event("error:verify")),
                t(m, "verify_success")));
        stages.put("cleanup", new Counts(n(m, "reached_cleanup"), n(m, "cleaned"), n(x, "cleanup_failed"),
                on("cleanup", n(m, "to_clean")), latest(t(x, "cleanup_run"), event("cleaned")), event("cleaned")));
        stages.put("scrub", new Counts(n(m, "in_archive"), n(m, "scrubbed"), n(x, "damaged"),
                on("scrub", n(m, "in_archive") - n(m, "scrubbed")), t(x, "scrub_run"), t(x, "scrub_success")));

        Totals totals = new Totals(n(m, "files"), n(m, "bytes"), n(m, "bytes_compressed"), n(m, "bytes_saved"),
                n(m, "pixel_confirmed"), n(m, "icloud_confirmed"), n(m, "pending"), n(m, "errors"), n(s, "quarantined"));
        return new Facts(stages, totals, accounts, t(m, "pixel_success"), n(x, "damaged"), t(x, "damaged_since"));
    }

    private long on(String stage, long queued) {
        return cfg.on(stage) ? Math.max(0, queued) : 0;
    }

    private void readEvents() {
        long top = sql.query("select coalesce(max(id), 0) from file_events", (rs, n) -> rs.getLong(1)).get(0);
        if (top <= eventCursor) {
            return;
        }
        sql.query(EVENTS, (rs, n) -> {
            String key = rs.getString(2).isEmpty() ? rs.getString(1) : rs.getString(1) + ":" + rs.getString(2);
            Instant at = rs.getObject(3, OffsetDateTime.class).toInstant();
            lastEvent.merge(key, at, (a, b) -> a.isAfter(b) ? a : b);
            return key;
        }, eventCursor, top);
        eventCursor = top;
    }

    private Optional<Instant> event(String key) {
        return Optional.ofNullable(lastEvent.get(key));
    }

    private Map<String, Object> one(String statement, Object... args) {
        return sql.query(statement, (rs, n) -> {
            Map<String, Object> row = new HashMap<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                Object v = rs.getObject(i);
                row.put(rs.getMetaData().getColumnLabel(i), v instanceof java.sql.Timestamp
                        ? rs.getObject(i, OffsetDateTime.class).toInstant() : v);
            }
            return row;
        }, args).get(0);
    }

    private static long n(Map<String, Object> row, String key) {
        Object v = row.get(key);
        return v == null ? 0 : ((Number) v).longValue();
    }

    private static Optional<Instant> t(Map<String, Object> row, String key) {
        return Optional.ofNullable((Instant) row.get(key));
    }

    @SafeVarargs
    private static Optional<Instant> latest(Optional<Instant>... times) {
        return Stream.of(times).flatMap(Optional::stream).max(Instant::compareTo);
    }

    private static Optional<Instant> at(ResultSet rs, int i) throws SQLException {
        OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
        return Optional.ofNullable(t).map(OffsetDateTime::toInstant);
    }
}
