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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/** The near-duplicate rows of the ledger: hashes read by transaction, near pairs, groups with their suggestion. */
final class NearLedger {

    /** A file with its hash, as the index holds it. */
    record Hashed(UUID id, String kind, long hash) {
    }

    /**
     * A file not checked for near-duplicates yet: with its hash (hashed, its pairs still to be recorded), or with
     * where it is and what the ledger knows of its content (its hash still to be made).
     */
    record Pending(UUID id, boolean hashed, String path, MediaInfo info) {
    }

    /** Two files within the distance: existing was in the index, found is the file being checked. */
    record Pair(UUID existing, UUID found, int distance) {
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

    /**
     * In one transaction: the pairs (each once, however often and from whichever side it is found), the files marked
     * checked, and the groups the pairs touch recomputed. So a file is marked checked exactly when its pairs are there.
     */
    void record(Collection<UUID> checked, List<Pair> pairs) {
        sql.inTx(j -> {
            Set<UUID> touched = new LinkedHashSet<>();
            for (Pair p : pairs) {
                recordPair(j, p);
                touched.add(p.existing());
                touched.add(p.found());
            }
            if (!checked.isEmpty()) {
                j.update("update media_files set near_checked = true where id = any(?) and not near_checked",
                        (Object) checked.toArray(UUID[]::new));
            }
            regroup(j, touched);
            return null;
        });
    }

    /**
     * For a near row, duplicate_path holds "near:" and the near file's id, not a path: where that file is lives in its
     * media_files row (it moves, into the archive and on), and a path here could collide with an exact duplicate of the
     * same original under the table's unique (original_file_id, duplicate_path) (a source path that once held an exact
     * copy and now holds an edited one). The conflict clause names the pair's own index, so any other conflict fails
     * loudly instead of losing the pair.
     */
    private static void recordPair(JdbcTemplate j, Pair p) {
        j.update("""
                insert into duplicate_files (original_file_id, near_file_id, duplicate_path, kind, distance)
                values (?, ?, 'near:' || ?::text, 'near', ?)
                on conflict (least(original_file_id, near_file_id), greatest(original_file_id, near_file_id))
                   where kind = 'near' do nothing""", p.existing(), p.found(), p.found(), p.distance());
    }

    /**
     * Recomputes the groups the given files belong to (everything connected to them by near pairs) and stores each
     * member's suggestion. Under a transaction-scoped advisory lock, so concurrent updates of one group queue up.
     */
    private static void regroup(JdbcTemplate j, Collection<UUID> touched) {
        if (touched.isEmpty()) {
            return;
        }
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
    }

    /**
     * Files not checked for near-duplicates yet whose copy is here, oldest first, a bounded batch: registered before
     * hashes were made, or hashed but never checked (a crash between the row's commit and recordNear).
     */
    List<Pending> pending(int limit, Collection<UUID> skip) {
        return sql.query("""
                select id, perceptual_hash is not null as hashed, coalesce(archive_path, original_path) as path, kind,
                       format, extension, mime_type, width, height, duration_seconds, rotation from media_files
                 where not near_checked and status not in ('ingesting', 'error', 'cleaned')
                   and coalesce(archive_path, original_path) is not null
                   and id <> all(?)
                 order by created_at limit ?""",
                NearLedger::pending, (Object) skip.toArray(UUID[]::new), limit);
    }

    /**
     * Files hashed but never checked (a crash between their batch's commit and recordNear), whatever became of them
     * since: their pairs need only the hashes, not the files.
     */
    List<UUID> hashedUnchecked() {
        return sql.query("""
                select id from media_files where perceptual_hash is not null and not near_checked
                   and status not in ('ingesting', 'error') order by created_at""", (rs, n) -> rs.getObject(1, UUID.class));
    }

    void storeHash(UUID id, long hash) {
        sql.update("update media_files set perceptual_hash = ? where id = ? and perceptual_hash is null", hash, id);
    }

    private static Hashed hashed(ResultSet rs, int n) throws SQLException {
        return new Hashed(rs.getObject(1, UUID.class), rs.getString(2), rs.getLong(3));
    }

    private static Pending pending(ResultSet rs, int n) throws SQLException {
        Number duration = (Number) rs.getObject("duration_seconds");
        MediaInfo info = new MediaInfo(MediaKind.valueOf(rs.getString("kind").toUpperCase(Locale.ROOT)),
                rs.getString("format"), rs.getString("extension"), rs.getString("mime_type"),
                (Integer) rs.getObject("width"), (Integer) rs.getObject("height"),
                duration == null ? null : duration.doubleValue(), (Integer) rs.getObject("rotation"),
                false, null, null, null, null, null, null);
        return new Pending(rs.getObject("id", UUID.class), rs.getBoolean("hashed"), rs.getString("path"), info);
    }

    private static KeepSuggestion.Member member(ResultSet rs, int n) throws SQLException {
        Number duration = (Number) rs.getObject("duration_seconds");
        return new KeepSuggestion.Member(rs.getObject("id", UUID.class), (Integer) rs.getObject("width"),
                (Integer) rs.getObject("height"), rs.getLong("size"), duration == null ? null : duration.doubleValue(),
                rs.getString("capture_source"), rs.getObject("captured_at", OffsetDateTime.class), rs.getBoolean("has_gps"),
                rs.getString("make"), rs.getString("model"), rs.getObject("created_at", OffsetDateTime.class));
    }
}
