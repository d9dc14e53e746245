package io.mediapipeline.compress;

import io.mediapipeline.ledger.LedgerSql;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.RowMapper;

/** The compress stage's SQL (media_files compression columns). Each call is one idempotent statement. */
public class CompressLedger {

    /** What the stage needs of one media_files row. */
    public record Row(UUID id, String sha256, String kind, String format, String extension, String originalName,
                      OffsetDateTime capturedAt, String originalPath, Integer width, Integer height,
                      String contentIdentifier, String decision, Integer tier, String compressedPath, int compressions,
                      String status, int failures) {
    }

    /** One decision: what is delivered (compressedPath) and why. */
    public record Outcome(String decision, String reason, String compressedPath, long originalSize, long compressedSize,
                          String codec, Double ssim, Integer tier, boolean newEncode, Integer crf, int attempts) {
    }

    private static final String COLUMNS = """
            id, sha256, kind, format, extension, original_name, captured_at, original_path, width, height,
            content_identifier, compress_decision, compress_tier, compressed_path, compressions, status, compress_failures""";

    private static final RowMapper<Row> ROW = (rs, n) -> new Row(rs.getObject(1, UUID.class), rs.getString(2),
            rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getObject(7, OffsetDateTime.class),
            rs.getString(8), (Integer) rs.getObject(9), (Integer) rs.getObject(10), rs.getString(11), rs.getString(12),
            (Integer) rs.getObject(13), rs.getString(14), rs.getInt(15), rs.getString(16), rs.getInt(17));

    private final LedgerSql sql;

    public CompressLedger(DataSource ds) {
        this.sql = new LedgerSql(ds);
    }

    public Row find(String sha256) {
        List<Row> rows = query("select " + COLUMNS + " from media_files where sha256 = ?", sha256);
        return rows.isEmpty() ? null : rows.get(0);
    }

    /**
     * Rows with an original that the stage may have to (re)consider, oldest first: undecided, videos (their tier
     * may have changed), and failures that have retries left.
     */
    public List<Row> candidates(int maxFailures) {
        return query("select " + COLUMNS + """
                 from media_files
                where original_path is not null and status in ('ingested', 'archived', 'verified', 'cleaned')
                  and (compress_decision is null
                       or (compress_decision = 'failed' and compress_failures < ?)
                       or (kind = 'video' and compress_decision <> 'failed'))
                order by created_at""", maxFailures);
    }

    /** The decision, with the sha256 of the copy at its compressed path (verify checks that copy against it). */
    public void record(UUID id, Outcome o, String compressedSha256) {
        long saved = o.originalSize() - o.compressedSize();
        BigDecimal ratio = o.originalSize() > 0
                ? BigDecimal.valueOf(o.compressedSize()).divide(BigDecimal.valueOf(o.originalSize()), 4, RoundingMode.HALF_UP)
                : null;
        BigDecimal ssim = o.ssim() == null ? null : BigDecimal.valueOf(o.ssim()).setScale(5, RoundingMode.HALF_DOWN);
        sql.update("""
                update media_files
                   set compress_decision = ?, compress_reason = ?, compressed_path = ?, original_size = ?,
                       compressed_size = ?, space_saved = ?, compression_ratio = ?, codec = ?, ssim = ?,
                       compress_tier = ?, compressed_at = now(), compressions = compressions + ?, compressed_sha256 = ?,
                       compress_crf = ?, compress_attempts = ?,
                       compress_failures = compress_failures + case when ?::text = 'failed' then 1 else 0 end
                 where id = ?""", o.decision(), o.reason(), o.compressedPath(), o.originalSize(), o.compressedSize(),
                saved, ratio, o.codec(), ssim, o.tier(), o.newEncode() ? 1 : 0, compressedSha256, o.crf(), o.attempts(), o.decision(), id);
    }

    public void log(String level, String message, UUID mediaId, String path) {
        sql.update("insert into pipeline_logs (stage, level, message, media_file_id, source_path) values ('compress', ?, ?, ?, ?)",
                level, message, mediaId, path);
    }

    /** A read on its own, outside a transaction. */
    private List<Row> query(String statement, Object... args) {
        return sql.autoCommit(null, j -> j.query(statement, ROW, args));
    }
}
