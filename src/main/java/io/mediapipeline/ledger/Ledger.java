package io.mediapipeline.ledger;

import io.mediapipeline.media.CaptureTime;
import io.mediapipeline.media.MediaInfo;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.springframework.jdbc.core.ColumnMapRowMapper;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

/**
 * Every read and write of the ledger. Each method is one transaction and idempotent, because any step may run
 * twice after a crash (the file consumers deliver at least once). Status changes are checked by the database's
 * state-machine trigger and logged to file_events.
 */
public class Ledger {

    private final DataSource ds;
    private final LedgerSql sql;

    public Ledger(DataSource ds) {
        this.ds = ds;
        this.sql = new LedgerSql(ds);
    }

    public DataSource dataSource() {
        return ds;
    }

    // ---- runs -------------------------------------------------------------------------------

    public long openRun(String mode, String node) {
        return sql.inTx(j -> j.queryForObject("insert into runs (mode, node) values (?, ?) returning id", Long.class,
                mode, node));
    }

    public void closeRun(long runId, String reportPath, String countsJson) {
        sql.update("update runs set finished_at = now(), report_path = ?, counts = ?::jsonb where id = ?",
                reportPath, countsJson, runId);
    }

    // ---- sources ----------------------------------------------------------------------------

    /**
     * Records that an input was seen. A key seen before keeps its row; if that row was finished
     * (imported, duplicate, quarantined) the input needs nothing more, otherwise it is taken up again
     * by this run (a crash interrupted it).
     */
    public SourceAdmission admitSource(long runId, String source, String sourceKey, String sourcePath, long size) {
        return sql.inTx(j -> j.queryForObject("""
                insert into source_files (run_id, source, source_key, source_path, size)
                values (?, ?, ?, ?, ?)
                on conflict (source_key) do update
                   set attempts = source_files.attempts + 1,
                       run_id = case when source_files.disposition = 'pending' then excluded.run_id
                                     else source_files.run_id end
                returning id, disposition""",
                (rs, n) -> new SourceAdmission(rs.getLong(1), rs.getString(2)), runId, source, sourceKey, sourcePath, size));
    }

    public void recordQuarantine(long sourceFileId, String sha256, String place, String reason) {
        sql.update("""
                update source_files set disposition = 'quarantined', sha256 = ?, place = ?, reason = ?
                 where id = ? and disposition in ('pending', 'quarantined')""",
                sha256, place, reason, sourceFileId);
    }

    /**
     * Records that ingesting an input failed; returns how many attempts in a row have now failed with this
     * same reason (a different reason starts the count again).
     */
    public int recordFailure(long sourceFileId, String reason) {
        List<Integer> failures = sql.query("""
                update source_files
                   set failures = case when last_error = ? then failures + 1 else 1 end, last_error = ?
                 where id = ? and disposition = 'pending'
                returning failures""", (rs, n) -> rs.getInt(1), reason, reason, sourceFileId);
        return failures.isEmpty() ? 0 : failures.get(0);
    }

    // ---- media ------------------------------------------------------------------------------

    /** Inserts the content if new (status ingesting); otherwise says whether this is a resume or a copy. */
    public Claim claim(String sha256, long size, MediaInfo info, String source, String originalName, String sourcePath) {
        MapSqlParameterSource row = mediaRow(sha256, size, info, source, originalName, sourcePath);
        return sql.inTxNamed(n -> {
            List<UUID> inserted = n.query("insert into media_files (" + MEDIA_INSERT_COLUMNS + ") values ("
                    + MEDIA_INSERT_VALUES + ") on conflict (sha256) do nothing returning id",
                    row, (rs, i) -> rs.getObject(1, UUID.class));
            if (!inserted.isEmpty()) {
                return new Claim(Claim.Outcome.NEW, inserted.get(0), null);
            }
            return n.getJdbcOperations().queryForObject(
                    "select id, status, source_path, original_path from media_files where sha256 = ? for update",
                    (rs, i) -> {
                        String status = rs.getString(2);
                        boolean sameSource = sourcePath.equals(rs.getString(3));
                        boolean unfinished = status.equals("ingesting") || status.equals("error") && rs.getString(4) == null;
                        return new Claim(sameSource && unfinished ? Claim.Outcome.RESUME : Claim.Outcome.DUPLICATE,
                                rs.getObject(1, UUID.class), rs.getString(4));
                    }, sha256);
        });
    }

    /** What {@link #mediaRow} fills, as columns and as the matching named parameters. */
    static final String MEDIA_INSERT_COLUMNS = """
            sha256, size, kind, format, mime_type, extension, source, original_name, source_path, captured_at,
            capture_offset_min, capture_source, width, height, duration_seconds, rotation, has_gps, latitude, longitude,
            make, model, content_identifier, original_size""";
    static final String MEDIA_INSERT_VALUES = """
            :sha256, :size, :kind, :format, :mimeType, :extension, :source, :originalName, :sourcePath, :capturedAt,
            :offsetMin, :captureSource, :width, :height, :duration, :rotation, :hasGps, :latitude, :longitude,
            :make, :model, :contentId, :size""";

    /** The columns of a new media_files row, as named parameters (shared with the batch writer). */
    static MapSqlParameterSource mediaRow(String sha256, long size, MediaInfo info, String source, String originalName,
                                          String sourcePath) {
        MapSqlParameterSource row = new MapSqlParameterSource()
                .addValue("sha256", sha256).addValue("size", size)
                .addValue("kind", info.kind().name().toLowerCase()).addValue("format", info.format())
                .addValue("mimeType", info.mimeType()).addValue("extension", info.extension())
                .addValue("source", source).addValue("originalName", originalName).addValue("sourcePath", sourcePath)
                .addValue("width", info.width()).addValue("height", info.height())
                .addValue("duration", info.durationSeconds()).addValue("rotation", info.rotation())
                .addValue("hasGps", info.hasGps()).addValue("latitude", info.latitude())
                .addValue("longitude", info.longitude()).addValue("make", info.make()).addValue("model", info.model())
                .addValue("contentId", info.contentIdentifier());
        CaptureTime t = info.captureTime();
        return row.addValue("capturedAt", t == null ? null : t.value())
                .addValue("offsetMin", t == null ? null : t.value().getOffset().getTotalSeconds() / 60)
                .addValue("captureSource", t == null ? null : t.source());
    }

    /**
     * The original copy is in place: the content is ingested and its input imported, atomically. Content that is
     * further along (its original was lost and this input restored it) keeps its status and gets the new path.
     */
    public void markIngested(UUID mediaId, String originalPath, long sourceFileId, String sha256) {
        sql.inTx(j -> {
            // a file that failed while ingesting goes back to ingesting first: the trigger allows no other way
            j.update("""
                    update media_files set status = 'ingesting', error = null
                     where id = ? and status = 'error' and error_from = 'ingesting'""", mediaId);
            j.update("""
                    update media_files set status = 'ingested', original_path = ?, error = null
                     where id = ? and status = 'ingesting'""", originalPath, mediaId);
            j.update("""
                    update media_files set original_path = ?
                     where id = ? and status not in ('ingesting', 'error') and original_path is distinct from ?""",
                    originalPath, mediaId, originalPath);
            return j.update("""
                    update source_files set disposition = 'imported', media_file_id = ?, sha256 = ?, place = ?, reason = null
                     where id = ? and disposition = 'pending'""", mediaId, sha256, originalPath, sourceFileId);
        });
    }

    public void recordDuplicate(UUID originalId, long sourceFileId, String sha256, String duplicatePath, String sourcePath) {
        sql.inTx(j -> {
            j.update("""
                    insert into duplicate_files (original_file_id, source_file_id, duplicate_path, source_path, kind)
                    values (?, ?, ?, ?, 'exact') on conflict (original_file_id, duplicate_path) do nothing""",
                    originalId, sourceFileId, duplicatePath, sourcePath);
            return j.update("""
                    update source_files set disposition = 'duplicate', media_file_id = ?, sha256 = ?, place = ?, reason = null
                     where id = ? and disposition = 'pending'""", originalId, sha256, duplicatePath, sourceFileId);
        });
    }

    public MediaRecord find(String sha256) {
        List<MediaRecord> rows = sql.query("select " + MEDIA_COLUMNS + " from media_files where sha256 = ?", MEDIA, sha256);
        return rows.isEmpty() ? null : rows.get(0);
    }

    public List<MediaRecord> withStatus(String status) {
        return sql.query("select " + MEDIA_COLUMNS + " from media_files where status = ? order by created_at", MEDIA, status);
    }

    /** The archive copy exists at archivePath. Repeating it with the same path changes nothing. */
    public void markArchived(UUID mediaId, String archivePath) {
        sql.update("update media_files set status = 'archived', archive_path = ? where id = ? and status = 'ingested'",
                archivePath, mediaId);
    }

    /**
     * The file failed in its current status (the trigger records which, in error_from). A status that may
     * not fail (already in error, cleaned) is left as it is, so a failure handler never fails itself.
     */
    public void markError(UUID mediaId, String stage, String reason) {
        sql.update("""
                update media_files set status = 'error', error = ?
                 where id = ? and status in (select from_status from media_status_transitions where to_status = 'error')""",
                stage + ": " + reason, mediaId);
    }

    /** Puts a file in error back to the status it failed in (the only way out the ledger allows); false if not in error. */
    public boolean returnFromError(UUID mediaId) {
        return sql.update("update media_files set status = error_from, error = null where id = ? and status = 'error'",
                mediaId) > 0;
    }

    /** Every file that failed while in {@code status} goes back to it, to be tried again; returns how many. */
    public int returnFromErrors(String status) {
        return sql.update("update media_files set status = error_from, error = null where status = 'error' and error_from = ?",
                status);
    }

    // ---- logs -------------------------------------------------------------------------------

    public void log(Long runId, String stage, String level, String message, UUID mediaId, String sourcePath) {
        sql.update("insert into pipeline_logs (run_id, stage, level, message, media_file_id, source_path) values (?, ?, ?, ?, ?, ?)",
                runId, stage, level, message, mediaId, sourcePath);
    }

    // ---- reporting --------------------------------------------------------------------------

    /** Each input of the run with its content's row, in the order they were seen, one at a time. */
    public void eachRunFile(long runId, Consumer<Map<String, Object>> file) {
        ColumnMapRowMapper columns = new ColumnMapRowMapper();
        sql.each(RUN_FILES, rs -> file.accept(columns.mapRow(rs, 0)), runId);
    }

    private static final String RUN_FILES = """
                select s.source_path, s.source, s.disposition, s.sha256, s.place, s.reason, s.last_error, s.failures,
                       m.status, m.original_path, m.compressed_path, m.archive_path, m.error, m.error_from,
                       m.compress_decision, m.compress_reason, m.space_saved,
                       case when s.disposition = 'duplicate' then m.original_path end as duplicate_of
                  from source_files s left join media_files m on m.id = s.media_file_id
                 where s.run_id = ? order by s.id""";

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

    /** Any statement's rows, each a map from column label to value in column order; one transaction. */
    public List<Map<String, Object>> rows(String statement, Object... args) {
        return sql.inTx(j -> j.queryForList(statement, args));
    }

    private static final String MEDIA_COLUMNS =
            "id, sha256, size, kind, extension, original_name, captured_at, capture_offset_min, capture_source, status, original_path, archive_path";

    private static final RowMapper<MediaRecord> MEDIA = (rs, n) -> {
        OffsetDateTime captured = rs.getObject(7, OffsetDateTime.class);
        if (captured != null) {
            // Back to the zone the photo was taken in, so folders follow the local date.
            captured = captured.withOffsetSameInstant(ZoneOffset.ofTotalSeconds(rs.getInt(8) * 60));
        }
        return new MediaRecord(rs.getObject(1, UUID.class), rs.getString(2), rs.getLong(3), rs.getString(4),
                rs.getString(5), rs.getString(6), captured, rs.getString(9), rs.getString(10), rs.getString(11),
                rs.getString(12));
    };
}
