package io.mediapipeline.verify;

import io.mediapipeline.ledger.LedgerSql;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The verify stage's SQL on media_files. A pass claims its files in one short transaction (FOR UPDATE SKIP LOCKED,
 * then a lease in verify_after), so two verifiers never work on the same file; its outcomes are written in one
 * transaction, each guarded by the status and the compressed copy the check saw.
 */
public class VerifyLedger {

    /**
     * One archived file as the pass saw it. {@code icloudSha256} is the sha256 the iCloud upload sent from the
     * compressed path (null when none did): the only record of that copy for rows made before compressed_sha256.
     */
    public record Candidate(UUID id, String sha256, long size, String originalPath, String archivePath,
                            String compressedPath, String compressedSha256, Long compressedSize, String icloudSha256) {
    }

    /** What a pass decided for one file. */
    public record Outcome(Candidate file, Kind kind, String text, String evidenceJson, Instant after, String recordSha256) {
    }

    public enum Kind { VERIFIED, WAITING, ERROR }

    private final LedgerSql sql;

    public VerifyLedger(DataSource ds) {
        this.sql = new LedgerSql(ds);
    }

    /**
     * Up to {@code limit} due archived files, the longest waiting first, claimed for {@code lease}: marked
     * {@code marker} in verify_check, so a restart of this node can release them ({@link #release}).
     */
    public List<Candidate> claim(int limit, boolean compressOn, Duration lease, String marker) {
        return sql.query("""
                with due as (
                    select id from media_files
                     where status = 'archived' and (verify_after is null or verify_after <= now())
                       and (not ? or compress_decision is not null)
                     order by verify_after nulls first, created_at
                     limit ?
                       for update skip locked)
                update media_files m set verify_after = now() + ? * interval '1 second', verify_check = ?
                  from due where m.id = due.id
                returning m.id, m.sha256, m.size, m.original_path, m.archive_path, m.compressed_path,
                          m.compressed_sha256, m.compressed_size,
                          (select d.uploaded_sha256 from deliveries d
                            where d.media_file_id = m.id and d.target = 'icloud' and d.uploaded_path = m.compressed_path)""",
                (rs, n) -> new Candidate(rs.getObject(1, UUID.class), rs.getString(2), rs.getLong(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getString(7), (Long) rs.getObject(8), rs.getString(9)),
                compressOn, limit, lease.toSeconds(), marker);
    }

    /** Files this node had claimed and not decided (it stopped mid-pass) are due again. */
    public int release(String marker) {
        return sql.update("update media_files set verify_after = null, verify_check = null where status = 'archived' and verify_check = ?",
                marker);
    }

    /**
     * Writes a pass's outcomes in one transaction; returns those applied. A file changed since it was picked
     * (status, or compress placed another copy) is left due for the next pass instead.
     */
    public List<Outcome> record(List<Outcome> outcomes, Long runId, String marker) {
        return sql.inTx(j -> {
            List<Outcome> applied = new ArrayList<>();
            for (Outcome o : outcomes) {
                Candidate c = o.file();
                String guard = " where id = ? and status = 'archived' and compressed_path is not distinct from ?"
                        + " and compressed_sha256 is not distinct from ?";
                int n = switch (o.kind()) {
                    case VERIFIED -> j.update("""
                            update media_files set status = 'verified', verified_at = now(), verify_evidence = ?::jsonb,
                                   verify_check = null, verify_after = null, compressed_sha256 = coalesce(compressed_sha256, ?)"""
                            + guard, o.evidenceJson(), o.recordSha256(), c.id(), c.compressedPath(), c.compressedSha256());
                    case WAITING -> j.update("""
                            update media_files set verify_check = ?, verify_after = ?,
                                   compressed_sha256 = coalesce(compressed_sha256, ?)"""
                            + guard, o.text(), Timestamp.from(o.after()), o.recordSha256(), c.id(), c.compressedPath(),
                            c.compressedSha256());
                    case ERROR -> j.update("""
                            update media_files set status = 'error', error = ?, verify_check = null, verify_after = null"""
                            + guard, "verify: " + o.text(), c.id(), c.compressedPath(), c.compressedSha256());
                };
                if (n == 0) {
                    j.update("update media_files set verify_after = null, verify_check = null"
                            + " where id = ? and status = 'archived' and verify_check = ?", c.id(), marker);
                    continue;
                }
                applied.add(o);
                if (o.kind() == Kind.ERROR) {
                    j.update("""
                            insert into pipeline_logs (run_id, stage, level, message, media_file_id, source_path)
                            values (?, 'verify', 'warn', ?, ?, ?)""", runId, o.text(), c.id(), c.originalPath());
                }
            }
            return applied;
        });
    }

    /** Archived files a pass would take now (for `once`: the run is not over while there are any). */
    public long dueCount(boolean compressOn) {
        return sql.inTx(j -> j.queryForObject("""
                select count(*) from media_files
                 where status = 'archived' and (verify_after is null or verify_after <= now())
                   and (not ? or compress_decision is not null)""", Long.class, compressOn));
    }
}
