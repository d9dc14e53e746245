package io.mediapipeline.icloud.removal;

import io.mediapipeline.ledger.LedgerSql;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/** What the removal reads (the file, its iCloud delivery) and writes (icloud_removals, pipeline_logs). */
final class RemovalLedger {

    static final String STAGE = "icloud-removal";

    /**
     * A media file and its iCloud delivery (null fields when it has none); {@code pairState} is the state of the
     * other Live Photo half's iCloud delivery, {@code paired} whether the file has another half at all.
     */
    record Facts(UUID id, String source, String sourcePath, String originalName, long size, Instant capturedAt,
                 boolean paired, String pairState, String state, String account, String assetRecord,
                 String masterRecord) {
    }

    /** A plan as recorded. */
    record Row(long id, UUID mediaFileId, String account, String assetRecord, String masterRecord, String changeTag,
               String state, boolean dryRun) {
    }

    private final LedgerSql sql;

    RemovalLedger(DataSource ds) {
        this.sql = new LedgerSql(ds);
    }

    Optional<Facts> facts(UUID mediaFileId) {
        List<Facts> rows = sql.query("""
                select m.id, m.source, m.source_path, m.original_name, m.size, m.captured_at,
                       m.live_pair_id is not null as paired,
                       (select p.state from deliveries p where p.media_file_id = m.live_pair_id and p.target = 'icloud') as pair_state,
                       d.state, d.account, d.asset_record, d.master_record
                  from media_files m
                  left join deliveries d on d.media_file_id = m.id and d.target = 'icloud'
                 where m.id = ?""", RemovalLedger::facts, mediaFileId);
        return rows.stream().findFirst();
    }

    private static Facts facts(ResultSet rs, int i) throws SQLException {
        Timestamp captured = rs.getTimestamp("captured_at");
        return new Facts(rs.getObject("id", UUID.class), rs.getString("source"), rs.getString("source_path"),
                rs.getString("original_name"), rs.getLong("size"), captured == null ? null : captured.toInstant(),
                rs.getBoolean("paired"), rs.getString("pair_state"), rs.getString("state"), rs.getString("account"),
                rs.getString("asset_record"), rs.getString("master_record"));
    }

    /**
     * Files that may have an original to remove: downloaded from iCloud, their copy confirmed there, and not
     * removed (nor being removed) already. Oldest capture first, at most {@code limit}. The movie of a Live Photo is
     * not one: in iCloud it is part of its still's asset and goes with it.
     */
    List<UUID> candidates(int limit) {
        return sql.query("""
                select m.id from media_files m
                  join deliveries d on d.media_file_id = m.id and d.target = 'icloud' and d.state = 'confirmed'
                 where m.source = 'icloud'
                   and not (m.kind = 'video'
                            and exists (select 1 from media_files p where p.id = m.live_pair_id and p.kind = 'photo'))
                   and not exists (select 1 from icloud_removals r
                                    where r.media_file_id = m.id and r.state in ('removing', 'removed'))
                 order by m.captured_at nulls first, m.id
                 limit ?""", (rs, i) -> rs.getObject(1, UUID.class), limit);
    }

    /** Records a plan or a refusal; returns its id. */
    long record(UUID mediaFileId, String account, String assetRecord, String masterRecord, String changeTag,
                String matched, String state, String reason, boolean dryRun) {
        return sql.inTx(j -> j.queryForObject("""
                insert into icloud_removals (media_file_id, account, asset_record, master_record, change_tag, matched,
                                             state, reason, dry_run)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?) returning id""", Long.class,
                mediaFileId, account, assetRecord, masterRecord, changeTag, matched, state, reason, dryRun));
    }

    Optional<Row> row(long id) {
        return sql.query("""
                select id, media_file_id, account, asset_record, master_record, change_tag, state, dry_run
                  from icloud_removals where id = ?""",
                (rs, i) -> new Row(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getString(7), rs.getBoolean(8)), id).stream().findFirst();
    }

    /**
     * Takes an open plan for carrying out, once: only a 'planned', non-dry-run row that still names this asset and
     * change tag moves to 'removing'. False when it was used, refused or changed meanwhile.
     */
    boolean claim(long id, String assetRecord, String changeTag, String approvedBy, String approval) {
        return sql.update("""
                update icloud_removals set state = 'removing', approved_by = ?, approval = ?
                 where id = ? and state = 'planned' and not dry_run and asset_record = ? and change_tag = ?""",
                approvedBy, approval, id, assetRecord, changeTag) == 1;
    }

    /** The outcome of a plan: removed, refused or failed, with the reason. */
    void conclude(long id, String state, String reason) {
        sql.update("update icloud_removals set state = ?, reason = ? where id = ?", state, reason, id);
    }

    void log(String level, String message, UUID mediaFileId) {
        sql.update("insert into pipeline_logs (stage, level, message, media_file_id) values (?, ?, ?, ?)",
                STAGE, level, message, mediaFileId);
    }
}
