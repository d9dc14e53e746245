package io.mediapipeline.icloud.upload;

import io.mediapipeline.ledger.LedgerSql;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.RowMapper;

/**
 * The upload's SQL: which files are due to go up, and one deliveries row (target 'icloud') per file whose state
 * is written before the next step starts. Evidence is merged into the row's json, never replaced.
 */
public class UploadLedger {

    static final String STAGE = "icloud-upload";

    /** A file whose compress decision is made and that has no iCloud delivery in a final state. */
    public record Candidate(UUID id, String sha256, long size, String originalName, String source, String sourcePath,
                            OffsetDateTime capturedAt, Integer offsetMinutes, UUID livePairId, String decision,
                            String compressedPath, Long compressedSize, String originalPath, String state, int attempts,
                            String evidence) {

        /** The compressed copy, or the original where compression kept it, gave up or was not worth it. */
        public String file() {
            return "compressed".equals(decision) ? compressedPath : originalPath;
        }

        /** What the ledger says that file's size is. */
        public long expectedSize() {
            return "compressed".equals(decision) && compressedSize != null ? compressedSize : size;
        }

        /** The sha256 the ledger knows for that file, or null for a compressed copy (hashed when reserved). */
        public String knownSha256() {
            return "compressed".equals(decision) ? null : sha256;
        }
    }

    /** A registered (or unproven and due) file the proof looks up. */
    public record Proving(UUID mediaId, String account, String state, String assetRecord, String masterRecord,
                          long uploadedSize, String uploadedSha256, String evidence, Instant registeredAt) {
    }

    /**
     * A Live Photo goes up as one item (parameters: the wait in seconds, compress max-failures): a half whose other
     * half is known goes only once that one is ready too (its copy decided) or already on its way, so the picker puts
     * both in one batch; a half that carries an Apple content identifier and has no partner yet waits up to
     * live-pair-wait-seconds after its ingest for it, then goes alone (its partner, when it comes, follows it). A
     * half whose known partner is still not ready live-pair-wait-seconds after the later of the two ingests (in
     * error, quarantined by compress, or simply undecided) goes alone too, with a warning naming both
     * ({@link #lonePartner}): one half in trouble never holds the other back for good. Parameters: the wait, compress
     * max-failures, the wait.
     */
    private static final String LIVE_PAIR_READY = """
               and (m.live_pair_id is not null or coalesce(m.content_identifier, '') = ''
                    or m.created_at < now() - make_interval(secs => ?))
               and (m.live_pair_id is null
                    or exists (select 1 from media_files p
                                 left join deliveries pd on pd.media_file_id = p.id and pd.target = 'icloud'
                                where p.id = m.live_pair_id
                                  and (pd.id is not null
                                       or p.original_path is not null
                                          and (p.compress_decision in ('compressed', 'original', 'skipped')
                                               or p.compress_decision = 'failed' and p.compress_failures >= ?)))
                    or exists (select 1 from media_files p where p.id = m.live_pair_id
                                  and greatest(m.created_at, p.created_at) < now() - make_interval(secs => ?)))
            """;

    private static final String CANDIDATE = """
            select m.id, m.sha256, m.size, m.original_name, m.source, m.source_path, m.captured_at, m.capture_offset_min,
                   m.live_pair_id, m.compress_decision, m.compressed_path, m.compressed_size, m.original_path,
                   d.state, coalesce(d.attempts, 0), d.evidence::text
              from media_files m
              left join deliveries d on d.media_file_id = m.id and d.target = 'icloud'
             where m.status in ('ingested', 'archived', 'verified', 'cleaned') and m.original_path is not null
               and (m.compress_decision in ('compressed', 'original', 'skipped')
                    or (m.compress_decision = 'failed' and m.compress_failures >= ?))
               and (d.id is null or d.state in ('staged', 'reserved', 'sent'))
            """ + LIVE_PAIR_READY;


    private static final RowMapper<Candidate> CANDIDATES = (rs, n) -> new Candidate(rs.getObject(1, UUID.class),
            rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5), rs.getString(6),
            rs.getObject(7, OffsetDateTime.class), (Integer) rs.getObject(8), rs.getObject(9, UUID.class),
            rs.getString(10), rs.getString(11), (Long) rs.getObject(12), rs.getString(13), rs.getString(14),
            rs.getInt(15), rs.getString(16));

    private final LedgerSql sql;

    public UploadLedger(DataSource ds) {
        this.sql = new LedgerSql(ds);
    }

    /**
     * Files due to go up (resumed ones first, then oldest first), at most {@code limit}; files from local folders
     * only with {@code local} (else a large local library would fill the window and hide the iCloud files).
     */
    public List<Candidate> candidates(int compressMaxFailures, Duration livePairWait, boolean local, int limit) {
        return sql.query(CANDIDATE + " and (m.source = 'icloud' or ?) order by d.id is null, m.created_at, m.id limit ?",
                CANDIDATES, compressMaxFailures, livePairWait.toSeconds(), compressMaxFailures, livePairWait.toSeconds(),
                local, limit);
    }

    /** One file's candidate row, or null when it is not due (any more). */
    public Candidate candidate(UUID mediaId, int compressMaxFailures, Duration livePairWait) {
        List<Candidate> rows = sql.query(CANDIDATE + " and m.id = ?", CANDIDATES, compressMaxFailures,
                livePairWait.toSeconds(), compressMaxFailures, livePairWait.toSeconds(), mediaId);
        return rows.isEmpty() ? null : rows.get(0);
    }

    /**
     * For a Live Photo half about to go up without its partner: both files and why the partner is not going with
     * it, or null when there is no partner or the partner went (or is going) already.
     */
    public String lonePartner(UUID mediaId) {
        List<String> rows = sql.query("""
                select m.original_name || ' goes to iCloud without its Live Photo partner '
                       || coalesce(p.original_path, p.source_path) || ', which is '
                       || case when p.status = 'error' then 'in error (' || coalesce(p.error_from, '?') || '): '
                                                            || coalesce(p.error, 'no reason recorded')
                               when p.compress_decision = 'failed' then 'not ready: compress failed '
                                                            || p.compress_failures || ' time(s): ' || coalesce(p.compress_reason, '')
                               else 'not ready (' || p.status || ', compress decision '
                                    || coalesce(p.compress_decision, 'not made') || ')' end
                  from media_files m join media_files p on p.id = m.live_pair_id
                 where m.id = ? and not exists (select 1 from deliveries pd where pd.media_file_id = p.id
                                                                             and pd.target = 'icloud')""",
                (rs, n) -> rs.getString(1), mediaId);
        return rows.isEmpty() ? null : rows.get(0);
    }

    /** Files the uploader started in the run, all accounts (the per-run cap). */
    public int startedInRun(long runId) {
        return sql.inTx(j -> j.queryForObject(
                "select count(*) from deliveries where target = 'icloud' and run_id = ?", Integer.class, runId));
    }

    /** Files sent in the last 24 hours (the per-day cap). */
    public int sentSince(Instant since) {
        return sql.inTx(j -> j.queryForObject(
                "select count(*) from deliveries where target = 'icloud' and sent_at > ?", Integer.class,
                Timestamp.from(since)));
    }

    /** Step 1 done: a slot is reserved under clientId (a resumed 'reserved' or 'sent' row starts again here). */
    public void reserved(UUID mediaId, String account, String path, long runId, String evidence) {
        sql.update("""
                insert into deliveries (media_file_id, target, state, account, uploaded_path, run_id, evidence)
                values (?, 'icloud', 'reserved', ?, ?, ?, ?::jsonb)
                on conflict (media_file_id, target) do update
                   set state = 'reserved', account = excluded.account, uploaded_path = excluded.uploaded_path,
                       run_id = excluded.run_id, evidence = coalesce(deliveries.evidence, '{}'::jsonb) || excluded.evidence,
                       last_error = null, updated_at = now()""", mediaId, account, path, runId, evidence);
    }

    /** Step 2 done: the bytes are up, as streamed. */
    public void sent(UUID mediaId, String sha256, long size, String evidence) {
        step(mediaId, "sent", "uploaded_sha256 = ?, uploaded_size = ?, sent_at = now(),", evidence, sha256, size);
    }

    /** Step 3 done: the asset is registered; the proof looks it up from nextCheck on. */
    public void registered(UUID mediaId, String asset, String master, Instant nextCheck, String evidence) {
        // the receipt (it carries the service's receipt token) was only needed to register: it goes now
        change(mediaId, "registered", "asset_record = ?, master_record = ?, next_check_at = ?,", "receipt", evidence,
                asset, master, Timestamp.from(nextCheck));
    }

    public void confirmed(UUID mediaId, String evidence) {
        step(mediaId, "confirmed", "confirmed_at = now(), next_check_at = null, last_error = null,", evidence);
    }

    public void unproven(UUID mediaId, String reason, Instant nextCheck, String evidence) {
        step(mediaId, "unproven", "last_error = ?, next_check_at = ?,", evidence, reason, Timestamp.from(nextCheck));
    }

    /** Final: refused, changed or something differed; the reason names what. */
    public void failed(UUID mediaId, String account, String path, String reason, String evidence) {
        sql.update("""
                insert into deliveries (media_file_id, target, state, account, uploaded_path, last_error, evidence)
                values (?, 'icloud', 'failed', ?, ?, ?, ?::jsonb)
                on conflict (media_file_id, target) do update
                   set state = 'failed', last_error = excluded.last_error, next_check_at = null,
                       evidence = (coalesce(deliveries.evidence, '{}'::jsonb) - 'receipt') || excluded.evidence,
                       updated_at = now()""",
                mediaId, account, path, reason, evidence);
    }

    /** A retryable failure: the file keeps its state; returns the attempts so far. */
    public int retryLater(UUID mediaId, String account, String path, String reason) {
        return sql.inTx(j -> j.queryForObject("""
                insert into deliveries (media_file_id, target, state, account, uploaded_path, attempts, last_error)
                values (?, 'icloud', 'staged', ?, ?, 1, ?)
                on conflict (media_file_id, target) do update
                   set attempts = deliveries.attempts + 1, last_error = excluded.last_error, updated_at = now()
                returning attempts""", Integer.class, mediaId, account, path, reason));
    }

    /**
     * A stored receipt the service no longer takes (it expires): the file is sent again, counted as an attempt;
     * returns the attempts so far.
     */
    public int sendAgain(UUID mediaId, String reason) {
        return sql.inTx(j -> j.queryForObject("""
                update deliveries set state = 'reserved', evidence = evidence - 'receipt', attempts = attempts + 1,
                       last_error = ?, updated_at = now()
                 where media_file_id = ? and target = 'icloud' returning attempts""", Integer.class, reason, mediaId));
    }

    /** Not seen yet: the next look-up is due at nextCheck. */
    public void lookLater(UUID mediaId, Instant nextCheck, String evidence) {
        step(mediaId, null, "next_check_at = ?,", evidence, Timestamp.from(nextCheck));
    }

    /** Registered files due for a look-up, and unproven ones due for a fresh one. */
    public List<Proving> dueForProof(Instant now, int limit) {
        return sql.query("""
                select media_file_id, account, state, asset_record, master_record, uploaded_size, uploaded_sha256,
                       evidence::text, (evidence->>'registeredAt')::timestamptz
                  from deliveries
                 where target = 'icloud' and state in ('registered', 'unproven')
                   and (next_check_at is null or next_check_at <= ?)
                 order by next_check_at nulls first limit ?""",
                (rs, n) -> new Proving(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getLong(6), rs.getString(7), rs.getString(8), instant(rs, 9)),
                Timestamp.from(now), limit);
    }

    /** Registered files not yet confirmed, unproven or failed, per account ({@code once} waits for them). */
    public List<String> awaitingProof() {
        return sql.query("select account from deliveries where target = 'icloud' and state = 'registered'",
                (rs, n) -> rs.getString(1));
    }

    public void log(long runId, String level, String message, UUID mediaId) {
        sql.update("insert into pipeline_logs (run_id, stage, level, message, media_file_id) values (?, ?, ?, ?, ?)",
                runId, STAGE, level, message, mediaId);
    }

    private void step(UUID mediaId, String state, String set, String evidence, Object... args) {
        change(mediaId, state, set, "", evidence, args);
    }

    /** A step that also drops the evidence key {@code drop} ("" drops nothing). */
    private void change(UUID mediaId, String state, String set, String drop, String evidence, Object... args) {
        Object[] all = new Object[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = state;
        all[args.length + 1] = drop;
        all[args.length + 2] = evidence == null ? "{}" : evidence; // null would wipe what is there
        all[args.length + 3] = mediaId;
        int n = sql.update("update deliveries set " + set + """
                 state = coalesce(?, state), evidence = (coalesce(evidence, '{}'::jsonb) - ?::text) || ?::jsonb,
                 updated_at = now() where media_file_id = ? and target = 'icloud'""", all);
        if (n != 1) {
            throw new IllegalStateException("no iCloud delivery row for media file " + mediaId);
        }
    }

    private static Instant instant(ResultSet rs, int i) throws SQLException {
        OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
