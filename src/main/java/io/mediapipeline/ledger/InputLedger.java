package io.mediapipeline.ledger;

import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The ledger's side of inputs that did not go the plain way: a finished input whose recorded copy is gone
 * (taken up again), a path the source walk does not follow, and an input the run gave up on. (An input that changed
 * while it was copied leaves no row at all: ingest records a batch only after its files are placed.)
 */
public class InputLedger {

    private final LedgerSql sql;

    public InputLedger(DataSource ds) {
        this.sql = new LedgerSql(ds);
    }

    /** What a finished input left behind: where its copy is, and the size and content it had. */
    public record RecordedCopy(String disposition, String place, Long size, String sha256, UUID mediaFileId) {
    }

    public RecordedCopy recordedCopy(long sourceFileId) {
        List<RecordedCopy> rows = sql.query("select disposition, place, size, sha256, media_file_id from source_files where id = ?",
                (rs, n) -> new RecordedCopy(rs.getString(1), rs.getString(2), rs.getObject(3, Long.class),
                        rs.getString(4), rs.getObject(5, UUID.class)), sourceFileId);
        return rows.isEmpty() ? null : rows.get(0);
    }

    /**
     * The input's recorded copy is gone (a power cut took its directory entry): the input is pending again, so
     * it is ingested again instead of being deleted; the reason stays on the row (and in file_events) until then.
     */
    public boolean reopen(long sourceFileId, String reason) {
        return sql.update("""
                update source_files set disposition = 'pending', place = null, reason = ?
                 where id = ? and disposition in ('imported', 'duplicate', 'quarantined')""", reason, sourceFileId) > 0;
    }

    /**
     * A path the source does not follow (a symbolic link, a folder too deep), recorded once under its own key.
     *
     * @return true the first time, so the caller reports it once
     */
    public boolean recordSkipped(long runId, String source, String sourceKey, String path, String reason) {
        return sql.update("""
                insert into source_files (run_id, source, source_key, source_path, disposition, reason)
                values (?, ?, ?, ?, 'skipped', ?) on conflict (source_key) do nothing""",
                runId, source, sourceKey, path, reason) > 0;
    }

    /** An input the run stopped taking: its pending row counts the failures and says why, for the run report. */
    public void recordGivenUp(long sourceFileId, int failures, String reason) {
        sql.update("""
                update source_files set failures = ?, last_error = ?
                 where id = ? and disposition = 'pending'""", failures, reason, sourceFileId);
    }
}
