package io.mediapipeline.icloud.upload;

import com.fasterxml.jackson.databind.JsonNode;
import io.mediapipeline.flow.TargetProof;
import io.mediapipeline.ledger.LedgerSql;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The iCloud target's proof for verify, from the ledger alone: the prover already read each confirmed upload back
 * (look-up of asset and master, and for a share of files a download compared by sha256), so nothing here calls
 * Apple. A file the target never uploads by its settings (from a local folder, with local-files off) is proven
 * as not applying.
 */
public class IcloudProof implements TargetProof {

    private record Row(UUID id, String source, String decision, String state, String account, String asset,
                       String master, String sha256, Long size, String lastError, Instant confirmedAt,
                       Instant nextCheck, String evidence) {
    }

    private final UploadConfig config;
    private final LedgerSql sql;

    public IcloudProof(UploadConfig config, DataSource dataSource) {
        this.config = config;
        this.sql = new LedgerSql(dataSource);
    }

    @Override
    public String target() {
        return "icloud";
    }

    @Override
    public boolean enabled() {
        return config.enabled();
    }

    @Override
    public Map<UUID, Verdict> check(Collection<UUID> mediaFileIds) {
        Map<UUID, Row> rows = rows(mediaFileIds);
        Map<UUID, Verdict> verdicts = new LinkedHashMap<>();
        for (UUID id : mediaFileIds) {
            Row r = rows.get(id);
            verdicts.put(id, r == null ? Verdict.missing("no media file " + id + " in the ledger") : verdict(r));
        }
        return verdicts;
    }

    private Verdict verdict(Row r) {
        if (r.state() == null) {
            if (!"icloud".equals(r.source()) && config.localFilesAccount() == null) {
                return Verdict.proven(Map.of("applies", false, "why", "a file from a local folder ("
                        + r.source() + ") does not go up to iCloud (pipeline.target.icloud.local-files=false)"));
            }
            return Verdict.waiting(r.decision() == null ? "waits for compression's decision before it goes up to iCloud"
                    : "not uploaded to iCloud yet", null);
        }
        return switch (r.state()) {
            case "confirmed" -> Verdict.proven(evidence(r));
            case "failed" -> Verdict.missing("its upload to iCloud failed: " + r.lastError());
            case "unproven" -> Verdict.waiting("uploaded to iCloud but not proven there yet: " + r.lastError(), r.nextCheck());
            default -> Verdict.waiting("its upload to iCloud is in progress (" + r.state() + ")", null);
        };
    }

    private static Map<String, Object> evidence(Row r) {
        JsonNode seen = Evidence.read(r.evidence());
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("account", r.account());
        e.put("asset_record", r.asset());
        e.put("master_record", r.master());
        e.put("uploaded_sha256", r.sha256());
        e.put("uploaded_size", r.size());
        e.put("proven_at", String.valueOf(r.confirmedAt()));
        // the prover downloads a share of files back; the others are proven by the master's size and checksum
        e.put("how", seen.hasNonNull("downloadedSha256") ? "download: sha256 read back equals the uploaded one"
                : "lookup: asset not deleted, master with the uploaded size and checksum");
        return e;
    }

    private Map<UUID, Row> rows(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        List<Row> rows = sql.inTx(j -> j.query("""
                select m.id, m.source, m.compress_decision, d.state, d.account, d.asset_record, d.master_record,
                       d.uploaded_sha256, d.uploaded_size, d.last_error, d.confirmed_at, d.next_check_at, d.evidence::text
                  from media_files m left join deliveries d on d.media_file_id = m.id and d.target = 'icloud'
                 where m.id = any(?)""",
                ps -> ps.setArray(1, ps.getConnection().createArrayOf("uuid", ids.toArray())),
                (rs, n) -> new Row(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), (Long) rs.getObject(9),
                        rs.getString(10), instant(rs.getTimestamp(11)), instant(rs.getTimestamp(12)), rs.getString(13))));
        Map<UUID, Row> byId = new HashMap<>();
        rows.forEach(r -> byId.put(r.id(), r));
        return byId;
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
