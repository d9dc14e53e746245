package io.mediapipeline.ledger;

import static io.mediapipeline.ledger.Jdbc.bind;
import static io.mediapipeline.ledger.Jdbc.exec;

import io.mediapipeline.media.MediaInfo;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Every read and write of the ledger. Each method is one transaction and idempotent, because any
 * step may run twice after a crash (the file consumers are at-least-once; see camel.md 3.1).
 * Status changes are checked by the database's state-machine trigger and logged to file_events.
 */
public class Ledger {

    private final DataSource ds;

    public Ledger(DataSource ds) {
        this.ds = ds;
    }

    public DataSource dataSource() {
        return ds;
    }

    // ---- runs -------------------------------------------------------------------------------

    public long openRun(String mode, String node) {
        return inTx(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "insert into runs (mode, node) values (?, ?) returning id")) {
                ps.setString(1, mode);
                ps.setString(2, node);
                return single(ps, rs -> rs.getLong(1));
            }
        });
    }

    public void closeRun(long runId, String reportPath, String countsJson) {
        update("update runs set finished_at = now(), report_path = ?, counts = ?::jsonb where id = ?",
                reportPath, countsJson, runId);
    }

    // ---- sources ----------------------------------------------------------------------------

    /**
     * Records that an input was seen. A key seen before keeps its row; if that row was finished
     * (imported, duplicate, quarantined) the input needs nothing more, otherwise it is taken up again
     * by this run (a crash interrupted it).
     */
    public SourceAdmission admitSource(long runId, String source, String sourceKey, String sourcePath, long size) {
        return inTx(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into source_files (run_id, source, source_key, source_path, size)
                    values (?, ?, ?, ?, ?)
                    on conflict (source_key) do update
                       set attempts = source_files.attempts + 1,
                           run_id = case when source_files.disposition = 'pending' then excluded.run_id
                                         else source_files.run_id end
                    returning id, disposition""")) {
                ps.setLong(1, runId);
                ps.setString(2, source);
                ps.setString(3, sourceKey);
                ps.setString(4, sourcePath);
                ps.setLong(5, size);
                return single(ps, rs -> new SourceAdmission(rs.getLong(1), rs.getString(2)));
            }
        });
    }

    public void recordQuarantine(long sourceFileId, String sha256, String place, String reason) {
        update("""
                update source_files set disposition = 'quarantined', sha256 = ?, place = ?, reason = ?
                 where id = ? and disposition in ('pending', 'quarantined')""",
                sha256, place, reason, sourceFileId);
    }

    /**
     * Records that ingesting an input failed; returns how many attempts in a row have now failed with this
     * same reason (a different reason starts the count again).
     */
    public int recordFailure(long sourceFileId, String reason) {
        return inTx(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    update source_files
                       set failures = case when last_error = ? then failures + 1 else 1 end, last_error = ?
                     where id = ? and disposition = 'pending'
                    returning failures""")) {
                ps.setString(1, reason);
                ps.setString(2, reason);
                ps.setLong(3, sourceFileId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getInt(1) : 0;
                }
            }
        });
    }

    // ---- media ------------------------------------------------------------------------------

    /** Inserts the content if new (status ingesting); otherwise says whether this is a resume or a copy. */
    public Claim claim(String sha256, long size, MediaInfo info, String source, String originalName, String sourcePath) {
        return inTx(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into media_files (sha256, size, kind, format, mime_type, extension, source, original_name,
                        source_path, captured_at, capture_offset_min, capture_source, width, height, duration_seconds,
                        rotation, has_gps, latitude, longitude, make, model, content_identifier, original_size)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    on conflict (sha256) do nothing
                    returning id""")) {
                int i = 1;
                ps.setString(i++, sha256);
                ps.setLong(i++, size);
                ps.setString(i++, info.kind().name().toLowerCase());
                ps.setString(i++, info.format());
                ps.setString(i++, info.mimeType());
                ps.setString(i++, info.extension());
                ps.setString(i++, source);
                ps.setString(i++, originalName);
                ps.setString(i++, sourcePath);
                if (info.captureTime() != null) {
                    OffsetDateTime t = info.captureTime().value();
                    ps.setObject(i++, t);
                    ps.setInt(i++, t.getOffset().getTotalSeconds() / 60);
                    ps.setString(i++, info.captureTime().source());
                } else {
                    ps.setNull(i++, Types.TIMESTAMP_WITH_TIMEZONE);
                    ps.setNull(i++, Types.INTEGER);
                    ps.setNull(i++, Types.VARCHAR);
                }
                setInt(ps, i++, info.width());
                setInt(ps, i++, info.height());
                if (info.durationSeconds() != null) ps.setDouble(i++, info.durationSeconds()); else ps.setNull(i++, Types.NUMERIC);
                setInt(ps, i++, info.rotation());
                ps.setBoolean(i++, info.hasGps());
                if (info.latitude() != null) ps.setDouble(i++, info.latitude()); else ps.setNull(i++, Types.DOUBLE);
                if (info.longitude() != null) ps.setDouble(i++, info.longitude()); else ps.setNull(i++, Types.DOUBLE);
                ps.setString(i++, info.make());
                ps.setString(i++, info.model());
                ps.setString(i++, info.contentIdentifier());
                ps.setLong(i, size);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return new Claim(Claim.Outcome.NEW, rs.getObject(1, UUID.class), null);
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "select id, status, source_path, original_path from media_files where sha256 = ? for update")) {
                ps.setString(1, sha256);
                return single(ps, rs -> {
                    UUID id = rs.getObject(1, UUID.class);
                    String status = rs.getString(2);
                    boolean sameSource = sourcePath.equals(rs.getString(3));
                    boolean unfinished = status.equals("ingesting") || status.equals("error") && rs.getString(4) == null;
                    return new Claim(sameSource && unfinished ? Claim.Outcome.RESUME : Claim.Outcome.DUPLICATE,
                            id, rs.getString(4));
                });
            }
        });
    }

    /**
     * The original copy is in place: the content is ingested and its input imported, atomically. Content that is
     * further along (its original was lost and this input restored it) keeps its status and gets the new path.
     */
    public void markIngested(UUID mediaId, String originalPath, long sourceFileId, String sha256) {
        inTx(c -> {
            // a file that failed while ingesting goes back to ingesting first: the trigger allows no other way
            exec(c, """
                    update media_files set status = 'ingesting', error = null
                     where id = ? and status = 'error' and error_from = 'ingesting'""", mediaId);
            exec(c, """
                    update media_files set status = 'ingested', original_path = ?, error = null
                     where id = ? and status = 'ingesting'""", originalPath, mediaId);
            exec(c, """
                    update media_files set original_path = ?
                     where id = ? and status not in ('ingesting', 'error') and original_path is distinct from ?""",
                    originalPath, mediaId, originalPath);
            exec(c, """
                    update source_files set disposition = 'imported', media_file_id = ?, sha256 = ?, place = ?, reason = null
                     where id = ? and disposition = 'pending'""", mediaId, sha256, originalPath, sourceFileId);
            return null;
        });
    }

    public void recordDuplicate(UUID originalId, long sourceFileId, String sha256, String duplicatePath, String sourcePath) {
        inTx(c -> {
            exec(c, """
                    insert into duplicate_files (original_file_id, source_file_id, duplicate_path, source_path, kind)
                    values (?, ?, ?, ?, 'exact') on conflict (original_file_id, duplicate_path) do nothing""",
                    originalId, sourceFileId, duplicatePath, sourcePath);
            exec(c, """
                    update source_files set disposition = 'duplicate', media_file_id = ?, sha256 = ?, place = ?, reason = null
                     where id = ? and disposition = 'pending'""", originalId, sha256, duplicatePath, sourceFileId);
            return null;
        });
    }

    public MediaRecord find(String sha256) {
        List<MediaRecord> rows = query("select " + MEDIA_COLUMNS + " from media_files where sha256 = ?", sha256);
        return rows.isEmpty() ? null : rows.get(0);
    }

    public List<MediaRecord> withStatus(String status) {
        return query("select " + MEDIA_COLUMNS + " from media_files where status = ? order by created_at", status);
    }

    /** The archive copy exists at archivePath. Repeating it with the same path changes nothing. */
    public void markArchived(UUID mediaId, String archivePath) {
        update("update media_files set status = 'archived', archive_path = ? where id = ? and status = 'ingested'",
                archivePath, mediaId);
    }

    /**
     * The file failed in its current status (the trigger records which, in error_from). A status that may
     * not fail (already in error, cleaned) is left as it is, so a failure handler never fails itself.
     */
    public void markError(UUID mediaId, String stage, String reason) {
        update("""
                update media_files set status = 'error', error = ?
                 where id = ? and status in (select from_status from media_status_transitions where to_status = 'error')""",
                stage + ": " + reason, mediaId);
    }

    /** Puts a file in error back to the status it failed in (the only way out the ledger allows); false if not in error. */
    public boolean returnFromError(UUID mediaId) {
        return update("update media_files set status = error_from, error = null where id = ? and status = 'error'", mediaId) > 0;
    }

    /** Every file that failed while in {@code status} goes back to it, to be tried again; returns how many. */
    public int returnFromErrors(String status) {
        return update("update media_files set status = error_from, error = null where status = 'error' and error_from = ?", status);
    }

    // ---- logs -------------------------------------------------------------------------------

    public void log(Long runId, String stage, String level, String message, UUID mediaId, String sourcePath) {
        update("insert into pipeline_logs (run_id, stage, level, message, media_file_id, source_path) values (?, ?, ?, ?, ?, ?)",
                runId, stage, level, message, mediaId, sourcePath);
    }

    // ---- reporting --------------------------------------------------------------------------

    /** One entry per input of the run, with where each ended up. */
    public List<Map<String, Object>> runFiles(long runId) {
        return rows("""
                select s.source_path, s.source, s.disposition, s.sha256, s.place, s.reason, s.last_error, s.failures,
                       m.status, m.original_path, m.compressed_path, m.archive_path, m.error, m.error_from,
                       m.compress_decision, m.compress_reason, m.space_saved,
                       case when s.disposition = 'duplicate' then m.original_path end as duplicate_of
                  from source_files s left join media_files m on m.id = s.media_file_id
                 where s.run_id = ? order by s.id""", runId);
    }

    public Map<String, Long> counts(long runId) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String d : List.of("imported", "duplicate", "quarantined", "pending")) {
            counts.put(d, 0L);
        }
        for (Map<String, Object> row : rows(
                "select disposition, count(*) as n from source_files where run_id = ? group by disposition", runId)) {
            counts.put((String) row.get("disposition"), ((Number) row.get("n")).longValue());
        }
        return counts;
    }

    public List<Map<String, Object>> rows(String sql, Object... args) {
        return inTx(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                bind(ps, args);
                List<Map<String, Object>> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    int n = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        for (int i = 1; i <= n; i++) {
                            row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                        }
                        out.add(row);
                    }
                }
                return out;
            }
        });
    }

    // ---- plumbing ---------------------------------------------------------------------------

    private static final String MEDIA_COLUMNS =
            "id, sha256, size, kind, extension, original_name, captured_at, capture_offset_min, capture_source, status, original_path, archive_path";

    private List<MediaRecord> query(String sql, Object... args) {
        return inTx(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                bind(ps, args);
                List<MediaRecord> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        OffsetDateTime captured = rs.getObject(7, OffsetDateTime.class);
                        if (captured != null) {
                            // Back to the zone the photo was taken in, so folders follow the local date.
                            int offsetMin = rs.getInt(8);
                            captured = captured.withOffsetSameInstant(java.time.ZoneOffset.ofTotalSeconds(offsetMin * 60));
                        }
                        out.add(new MediaRecord(rs.getObject(1, UUID.class), rs.getString(2), rs.getLong(3),
                                rs.getString(4), rs.getString(5), rs.getString(6), captured, rs.getString(9),
                                rs.getString(10), rs.getString(11), rs.getString(12)));
                    }
                }
                return out;
            }
        });
    }

    private int update(String sql, Object... args) {
        return inTx(c -> exec(c, sql, args));
    }

    private static void setInt(PreparedStatement ps, int i, Integer v) throws SQLException {
        if (v == null) ps.setNull(i, Types.INTEGER); else ps.setInt(i, v);
    }

    private interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private static <T> T single(PreparedStatement ps, RowMapper<T> mapper) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("expected one row");
            }
            return mapper.map(rs);
        }
    }

    private <T> T inTx(Jdbc.Work<T> work) {
        return Jdbc.inTx(ds, work);
    }
}
