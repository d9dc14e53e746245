package io.mediapipeline.similar;

import io.mediapipeline.ledger.LedgerSql;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaKind;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/** The near-duplicate rows of the ledger: hashes read by transaction, near pairs, groups with their suggestion. */
final class NearLedger {

    /** A file with its hash, as the index holds it. */
    record Hashed(UUID id, String kind, long hash) {
    }

    /** A file whose hash is still to be made, with where it is and what the ledger knows of its content. */
    record Unhashed(UUID id, String path, MediaInfo info) {
    }

    // one lock for every node's group update: two nodes joining the same group at once would leave it half-updated
    private static final long GROUP_LOCK = 0x6e656172L; // "near"

    private final LedgerSql sql;
    private String seenXmin;

    NearLedger(DataSource dataSource) {
        this.sql = new LedgerSql(dataSource);
    }

    /**
     * The hashes made since the last call (all of them on the first), committed by this node or any other. The
     * oldest transaction still running is read first: every hash of an older transaction is committed by then, and
     * the next call starts from there again, so a hash that commits later is still read.
     */
    synchronized List<Hashed> changedHashes() {
        return sql.inTx(j -> {
            String xmin = j.queryForObject("select pg_snapshot_xmin(pg_current_snapshot())::text", String.class);
            List<Hashed> rows = seenXmin == null
                    ? j.query("select id, kind, perceptual_hash from media_files where perceptual_hash is not null",
                            NearLedger::hashed)
                    : j.query("""
                            select id, kind, perceptual_hash from media_files
                             where perceptual_hash is not null and hash_txid >= ?::xid8""", NearLedger::hashed, seenXmin);
            seenXmin = xmin;
            return rows;
        });
    }

    List<Hashed> hashesOf(Collection<UUID> ids) {
        return sql.query("select id, kind, perceptual_hash from media_files where id = any(?) and perceptual_hash is not null",
                NearLedger::hashed, (Object) ids.toArray(UUID[]::new));
    }

    /** Records the pair once, however often and from whichever side it is found. */
    int recordPair(UUID existing, UUID found, int distance) {
        return sql.update("""
                insert into duplicate_files (original_file_id, near_file_id, duplicate_path, kind, distance)
                select ?, m.id, coalesce(m.archive_path, m.original_path, m.original_name), 'near', ?
                  from media_files m where m.id = ?
                on conflict do nothing""", existing, distance, found);
    }

    /**
     * Recomputes the groups the given files belong to (everything connected to them by near pairs) and stores each
     * member's suggestion. Under a transaction-scoped advisory lock, so concurrent updates of one group queue up.
     */
    void regroup(Collection<UUID> touched) {
        sql.inTx(j -> {
            j.queryForList("select pg_advisory_xact_lock(?)", GROUP_LOCK);
            Set<UUID> done = new HashSet<>();
            for (UUID start : touched) {
                if (done.contains(start)) {
                    continue;
                }
                Set<UUID> group = new HashSet<>();
                Deque<UUID> todo = new ArrayDeque<>(List.of(start));
                while (!todo.isEmpty()) {
                    UUID id = todo.pop();
                    if (group.add(id)) {
                        todo.addAll(j.query("""
                                select near_file_id from duplicate_files where kind = 'near' and original_file_id = ?
                                union select original_file_id from duplicate_files where kind = 'near' and near_file_id = ?""",
                                (rs, n) -> rs.getObject(1, UUID.class), id, id));
                    }
                }
                done.addAll(group);
                if (group.size() < 2) {
                    continue;
                }
                List<KeepSuggestion.Member> members = j.query("""
                        select id, width, height, size, duration_seconds, capture_source, captured_at, has_gps, make, model,
                               created_at from media_files where id = any(?)""", NearLedger::member,
                        (Object) group.toArray(UUID[]::new));
                for (Map.Entry<UUID, KeepSuggestion.Verdict> v : KeepSuggestion.of(members).entrySet()) {
                    j.update("""
                            insert into near_groups (media_file_id, keeper_id, keep, reason) values (?, ?, ?, ?)
                            on conflict (media_file_id) do update
                               set keeper_id = excluded.keeper_id, keep = excluded.keep, reason = excluded.reason,
                                   updated_at = now()
                             where (near_groups.keeper_id, near_groups.keep, near_groups.reason)
                                   is distinct from (excluded.keeper_id, excluded.keep, excluded.reason)""",
                            v.getKey(), v.getValue().keeperId(), v.getValue().keep(), v.getValue().reason());
                }
            }
            return null;
        });
    }

    /** Files without a hash yet (registered before hashes were made) whose copy is here, a bounded batch. */
    List<Unhashed> unhashed(int limit, Collection<UUID> skip) {
        return sql.query("""
                select id, coalesce(archive_path, original_path) as path, kind, format, extension, mime_type, width,
                       height, duration_seconds, rotation from media_files
                 where perceptual_hash is null and status not in ('ingesting', 'error', 'cleaned')
                   and coalesce(archive_path, original_path) is not null
                   and id <> all(?)
                 order by created_at limit ?""",
                NearLedger::unhashed, (Object) skip.toArray(UUID[]::new), limit);
    }

    void storeHash(UUID id, long hash) {
        sql.update("update media_files set perceptual_hash = ? where id = ? and perceptual_hash is null", hash, id);
    }

    private static Hashed hashed(ResultSet rs, int n) throws SQLException {
        return new Hashed(rs.getObject(1, UUID.class), rs.getString(2), rs.getLong(3));
    }

    private static Unhashed unhashed(ResultSet rs, int n) throws SQLException {
        Number duration = (Number) rs.getObject("duration_seconds");
        MediaInfo info = new MediaInfo(MediaKind.valueOf(rs.getString("kind").toUpperCase(Locale.ROOT)),
                rs.getString("format"), rs.getString("extension"), rs.getString("mime_type"),
                (Integer) rs.getObject("width"), (Integer) rs.getObject("height"),
                duration == null ? null : duration.doubleValue(), (Integer) rs.getObject("rotation"),
                false, null, null, null, null, null, null);
        return new Unhashed(rs.getObject("id", UUID.class), rs.getString("path"), info);
    }

    private static KeepSuggestion.Member member(ResultSet rs, int n) throws SQLException {
        Number duration = (Number) rs.getObject("duration_seconds");
        return new KeepSuggestion.Member(rs.getObject("id", UUID.class), (Integer) rs.getObject("width"),
                (Integer) rs.getObject("height"), rs.getLong("size"), duration == null ? null : duration.doubleValue(),
                rs.getString("capture_source"), rs.getObject("captured_at", OffsetDateTime.class), rs.getBoolean("has_gps"),
                rs.getString("make"), rs.getString("model"), rs.getObject("created_at", OffsetDateTime.class));
    }
}
