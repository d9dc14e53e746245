package io.mediapipeline.cleanup;

import io.mediapipeline.ledger.LedgerException;
import io.mediapipeline.ledger.LedgerSql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Cleanup's SQL: the verified files it works on, what else the ledger knows of their copies (Pixel bridge,
 * duplicates, inbox inputs, the iCloud delivery and removal) and the local_removals rows. One transaction per
 * method; state changes reach file_events through the table's trigger.
 */
class CleanupLedger {

    /** A verified file as cleanup needs it; paths as the ledger holds them (absolute). */
    record Candidate(UUID id, String sha256, long size, String source, String originalPath, String archivePath,
                     Instant verifiedAt, String evidence, String compressDecision, String extension) {
    }

    /**
     * The file's copy in the Pixel bridge and whether every file of its batch is verified or cleaned. A Live Photo
     * half delivered as a Motion Photo has that file as its copy: motionPhotoSha256 (its bytes) and the other half's
     * id are set then, null otherwise.
     */
    record BridgeCopy(String stagedPath, String batch, boolean batchVerified, String motionPhotoSha256, UUID motionPhotoWith) {
    }

    /** A removal row that is not finished: 'trashing' (recovery) or 'trashed' (purge). */
    record Open(long id, UUID mediaId, String kind, String path, String trashPath, String sha256) {
    }

    private static final String CANDIDATE = """
            select id, sha256, size, source, original_path, archive_path, verified_at, verify_evidence::text,
                   compress_decision, extension from media_files m""";

    /**
     * Whether the iCloud removal of media file m needs no asking now (parameter: whether it would be a dry run):
     * it was removed, or a dry run like this one listed it already, or it was refused lately. A refusal is asked
     * again after a back-off (1 hour, doubling with each refusal, at most 7 days): some refusals pass (the other half
     * of a Live Photo not confirmed yet, the asset changed since the plan).
     */
    private static final String REMOVAL_SETTLED = """
            (exists (select 1 from icloud_removals r where r.media_file_id = m.id
                        and ((not r.dry_run and r.state = 'removed') or (r.dry_run and ?)))
             or coalesce((select max(r.updated_at)
                                 + least(interval '1 hour' * power(2, least(count(*), 9) - 1), interval '7 days')
                            from icloud_removals r where r.media_file_id = m.id and not r.dry_run and r.state = 'refused'),
                         '-infinity') > now())""";

    private final DataSource ds;
    private final LedgerSql sql;

    CleanupLedger(DataSource ds) {
        this.ds = ds;
        this.sql = new LedgerSql(ds);
    }

    /**
     * A Live Photo is one item: a half is cleaned only once its other half is proven too (verified, or cleaned
     * already), so both go in the same pass and neither is cleaned while the other could still be lost. A half that
     * carries an Apple content identifier but has no partner in the ledger yet waits for it: in iCloud both halves are
     * one asset, so removing the still's original there would take a movie the archive does not have.
     */
    private static final String PAIR_PROVEN = " and (case when m.live_pair_id is null"
            + " then coalesce(m.content_identifier, '') = ''"
            + " else exists (select 1 from media_files p"
            + " where p.id = m.live_pair_id and p.status in ('verified', 'cleaned')) end)";

    /** The next page of verified files after {@code after} (null: from the start), by id; see PAIR_PROVEN. */
    List<Candidate> verified(UUID after, int limit) {
        return after == null
                ? sql.query(CANDIDATE + " where status = 'verified'" + PAIR_PROVEN + " order by id limit ?",
                        (rs, n) -> candidate(rs), limit)
                : sql.query(CANDIDATE + " where status = 'verified' and id > ?" + PAIR_PROVEN + " order by id limit ?",
                        (rs, n) -> candidate(rs), after, limit);
    }

    private static Candidate candidate(ResultSet rs) throws SQLException {
        Timestamp at = rs.getTimestamp(7);
        return new Candidate(rs.getObject(1, UUID.class), rs.getString(2), rs.getLong(3), rs.getString(4),
                rs.getString(5), rs.getString(6), at == null ? null : at.toInstant(), rs.getString(8), rs.getString(9),
                rs.getString(10));
    }

    /** Verified files a pass has not looked at yet (for `once`: cleanup work due now). */
    long verifiedSince(Instant since) {
        if (since == null) {
            return sql.inTx(j -> j.queryForObject("select count(*) from media_files where status = 'verified'", Long.class));
        }
        return sql.inTx(j -> j.queryForObject("""
                select count(*) from media_files where status = 'verified' and (verified_at is null or verified_at >= ?)""",
                Long.class, Timestamp.from(since)));
    }

    /**
     * Claims a verified file for this pass: its row stays locked (another node's pass skips it) until the
     * claim closes. FOR NO KEY UPDATE lets the removal rows that reference it be written meanwhile.
     */
    Claim claim(UUID id) {
        return claim(id, "verified");
    }

    /** As {@link #claim(UUID)}, for a file in {@code status} (a cleaned file cleanup comes back to). */
    Claim claim(UUID id, String status) {
        try {
            Connection c = ds.getConnection();
            try {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("""
                        select 1 from media_files where id = ? and status = ? for no key update skip locked""")) {
                    ps.setObject(1, id);
                    ps.setString(2, status);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            return new Claim(c, id);
                        }
                    }
                }
                c.rollback();
                c.close();
                return null;
            } catch (SQLException e) {
                c.close();
                throw e;
            }
        } catch (SQLException e) {
            throw new LedgerException("cannot claim media file " + id + ": " + e.getMessage(), e);
        }
    }

    /** A claimed verified file; {@link #cleaned} ends it as cleaned, close alone lets it go unchanged. */
    static final class Claim implements AutoCloseable {

        private final Connection c;
        private final UUID id;

        private Claim(Connection c, UUID id) {
            this.c = c;
            this.id = id;
        }

        /** verified -> cleaned: nothing more is to be done for the file under the current settings. */
        boolean cleaned() {
            try (PreparedStatement ps = c.prepareStatement(
                    "update media_files set status = 'cleaned' where id = ? and status = 'verified'")) {
                ps.setObject(1, id);
                int n = ps.executeUpdate();
                c.commit();
                return n == 1;
            } catch (SQLException e) {
                throw new LedgerException("cannot mark media file " + id + " cleaned: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            try (c) {
                c.rollback();
            } catch (SQLException e) {
                // the lock goes with the connection's transaction either way
            }
        }
    }

    BridgeCopy bridgeCopy(UUID id) {
        List<BridgeCopy> rows = sql.query("""
                select d.staged_path, b.name,
                       not exists (select 1 from deliveries o join media_files m on m.id = o.media_file_id
                                    where o.batch_id = d.batch_id and o.target = 'pixel'
                                      and m.status not in ('verified', 'cleaned')),
                       case when d.delivered_as = 'motion-photo' then d.delivered_sha256 end, d.delivered_with
                  from deliveries d left join batches b on b.id = d.batch_id
                 where d.media_file_id = ? and d.target = 'pixel' and d.staged_path is not null""",
                (rs, n) -> new BridgeCopy(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getString(4),
                        rs.getObject(5, UUID.class)), id);
        return rows.isEmpty() ? null : rows.get(0);
    }

    List<String> duplicates(UUID id) {
        return sql.query("select duplicate_path from duplicate_files where original_file_id = ? and kind = 'exact' order by id",
                (rs, n) -> rs.getString(1), id);
    }

    /** Where the file's inputs were read from (inbox files among them may have been left behind). */
    List<String> inputs(UUID id) {
        return sql.query("""
                select distinct source_path from source_files
                 where media_file_id = ? and disposition in ('imported', 'duplicate') order by source_path""",
                (rs, n) -> rs.getString(1), id);
    }

    boolean icloudConfirmed(UUID id) {
        return !sql.query("select 1 from deliveries where media_file_id = ? and target = 'icloud' and state = 'confirmed'",
                (rs, n) -> 1, id).isEmpty();
    }

    /** See {@link #REMOVAL_SETTLED}: no need to ask for the file's iCloud original now. */
    boolean icloudSettled(UUID id, boolean dryRun) {
        return !sql.query("select 1 from media_files m where m.id = ? and " + REMOVAL_SETTLED, (rs, n) -> 1, id, dryRun)
                .isEmpty();
    }

    /**
     * The next page of cleaned files (after {@code after}, by id) whose original at {@code source} may be due for
     * removal under the current settings: the iCloud delivery is confirmed, the Pixel's proof is in the evidence when
     * that target is on (the caller checks every rule again) and the removal is not settled (see REMOVAL_SETTLED).
     */
    List<Candidate> removalDue(String source, boolean dryRun, boolean pixelOn, UUID after, int limit) {
        return sql.query(CANDIDATE + "\n" + """
                 where m.status = 'cleaned' and m.source = ? and m.id > ?
                   and exists (select 1 from deliveries d where d.media_file_id = m.id and d.target = 'icloud'
                                  and d.state = 'confirmed')
                   and (not ? or coalesce(nullif(m.verify_evidence -> 'pixel', 'null'::jsonb),
                                          nullif(m.verify_evidence -> 'targets' -> 'pixel', 'null'::jsonb))
                                 not in ('{}'::jsonb, '[]'::jsonb))
                   and not""" + " " + REMOVAL_SETTLED + " order by m.id limit ?", (rs, n) -> candidate(rs),
                source, after == null ? new UUID(0, 0) : after, pixelOn, dryRun, limit);
    }

    /** A dry run's or a refusal's listing, once per copy; true when it is new. */
    boolean list(UUID id, long runId, String kind, String path, Long size, String sha256, String state, String proof,
                 String reason) {
        return sql.update("""
                insert into local_removals (media_file_id, run_id, kind, path, size, sha256, state, proof, reason)
                values (?, ?, ?, ?, ?, ?, ?, cast(? as jsonb), ?)
                on conflict (media_file_id, path, state) where state in ('would-remove', 'kept') do nothing""",
                id, runId, kind, path, size, sha256, state, proof, reason) == 1;
    }

    /** The intent, committed before the file moves. */
    long trashing(UUID id, long runId, String kind, String path, String trashPath, long size, String sha256, String proof) {
        return sql.inTx(j -> j.queryForObject("""
                insert into local_removals (media_file_id, run_id, kind, path, trash_path, size, sha256, state, proof)
                values (?, ?, ?, ?, ?, ?, ?, 'trashing', cast(? as jsonb)) returning id""",
                Long.class, id, runId, kind, path, trashPath, size, sha256, proof));
    }

    void trashed(long row, Duration retention, String reason) {
        sql.update("""
                update local_removals set state = 'trashed', trashed_at = now(), reason = ?,
                       purge_after = now() + make_interval(secs => ?) where id = ? and state = 'trashing'""",
                reason, (double) retention.toSeconds(), row);
    }

    void finish(long row, String from, String to, String reason) {
        sql.update("update local_removals set state = ?, reason = ? where id = ? and state = ?", to, reason, row, from);
    }

    void purged(long row, String reason) {
        sql.update("update local_removals set state = 'purged', purged_at = now(), reason = ? where id = ? and state = 'trashed'",
                reason, row);
    }

    List<Open> trashingRows() {
        return open("state = 'trashing'");
    }

    /**
     * A 'trashed' row past its purge_after, with what the purge checks first: the media file's status, its original
     * (path, size, sha256), when the scrub last read it in full and whether a scrub finding about it is open.
     */
    record Due(long id, UUID mediaId, String trashPath, Long size, Instant trashedAt, String status,
               String originalPath, long mediaSize, String sha256, Instant scrubbedAt, boolean findingsOpen) {
    }

    List<Due> purgeDue() {
        return sql.query("""
                select r.id, r.media_file_id, r.trash_path, r.size, r.trashed_at, m.status, m.original_path, m.size,
                       m.sha256, m.scrubbed_at,
                       exists (select 1 from scrub_findings s where s.media_file_id = m.id and s.state = 'open')
                  from local_removals r join media_files m on m.id = r.media_file_id
                 where r.state = 'trashed' and r.purge_after <= now() order by r.id""",
                (rs, n) -> new Due(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3),
                        rs.getObject(4) == null ? null : rs.getLong(4), instant(rs.getTimestamp(5)), rs.getString(6),
                        rs.getString(7), rs.getLong(8), rs.getString(9), instant(rs.getTimestamp(10)),
                        rs.getBoolean(11)));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private List<Open> open(String where) {
        return sql.query("select id, media_file_id, kind, path, trash_path, sha256 from local_removals where " + where
                + " order by id", (rs, n) -> new Open(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3),
                rs.getString(4), rs.getString(5), rs.getString(6)));
    }

    /** Every place in trash/ the ledger accounts for (anything else there was not put there by cleanup). */
    List<String> trashPaths() {
        return sql.query("select trash_path from local_removals where trash_path is not null and state in ('trashing', 'trashed')",
                (rs, n) -> rs.getString(1));
    }

    /** Whether another row already holds this trash path (a name is never reused while its row is open). */
    boolean trashPathTaken(String trashPath) {
        return !sql.query("select 1 from local_removals where trash_path = ? and state in ('trashing', 'trashed')",
                (rs, n) -> 1, trashPath).isEmpty();
    }
}
