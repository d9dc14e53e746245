package io.mediapipeline.scrub;

import io.mediapipeline.ledger.LedgerException;
import io.mediapipeline.ledger.LedgerSql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/** The scrub's SQL: which files are due, each run's figures (scrub_runs) and the findings (scrub_findings). */
class ScrubLedger {

    /** Statuses whose copies are in the archive and are scrubbed. */
    static final String SCRUBBED_STATUSES = "('archived', 'verified', 'cleaned')";
    /**
     * The files scrubbed: those in the archive, and those that failed there (in error from one of its statuses), whose
     * copies are still the archive's and may be what the scrub can mend.
     */
    static final String SCRUBBED = "(status in " + SCRUBBED_STATUSES + " or status = 'error' and error_from in "
            + SCRUBBED_STATUSES + ")";
    /** When the file last went to error (the database's clock, as file_events records it). */
    private static final String WENT_TO_ERROR = """
            (select max(e.created_at) from file_events e
              where e.media_file_id = media_files.id and e.entity = 'media_file' and e.to_state = 'error')""";

    /** A file due for a scrub, with every copy the ledger names. */
    record Item(UUID id, String sha256, long size, String originalPath, String archivePath, String compressedPath,
                String compressedSha256) {
    }

    /** A copy that is not what the ledger says. */
    record Finding(UUID mediaId, String copy, String path, String kind, String expectedSha256, String foundSha256,
                   Long expectedSize, Long foundSize, String detail) {

        Finding withFound(String sha256) {
            return new Finding(mediaId, copy, path, kind, expectedSha256, sha256, expectedSize, foundSize, detail);
        }
    }

    /** The first key of the scrub's advisory locks (the second is the file's): 'scrb', apart from other locks. */
    private static final int LOCK_SPACE = 0x73637262;

    /** A file claimed by this node for its read and restore; closing releases it. */
    interface Claim extends AutoCloseable {
        @Override
        void close();
    }

    private final DataSource ds;
    private final LedgerSql sql;

    ScrubLedger(DataSource ds) {
        this.ds = ds;
        this.sql = new LedgerSql(ds);
    }

    /**
     * Claims the file for this node (a session advisory lock on a connection held until the claim closes), or empty
     * when another node (or another run) holds it: two scrubbers never read, set aside or restore one file at once.
     * A node that dies releases its claim with its connection.
     */
    Optional<Claim> claim(UUID mediaId) {
        int key = mediaId.hashCode(); // a rare clash of two files only makes one of them wait for a later run
        Connection c = null;
        try {
            c = ds.getConnection();
            c.setAutoCommit(true);
            if (!lock(c, "select pg_try_advisory_lock(?, ?)", key)) {
                c.close();
                return Optional.empty();
            }
            Connection held = c;
            return Optional.of(() -> {
                try (held) {
                    lock(held, "select pg_advisory_unlock(?, ?)", key);
                } catch (SQLException e) {
                    // closing the session releases the lock in any case
                }
            });
        } catch (SQLException e) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // the claim failed already; that is what is reported
                }
            }
            throw new LedgerException("claiming media file " + mediaId + " for the scrub: " + e.getMessage(), e);
        }
    }

    private static boolean lock(Connection c, String statement, int key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(statement)) {
            ps.setInt(1, LOCK_SPACE);
            ps.setInt(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    long total() {
        return sql.query("select count(*) from media_files where " + SCRUBBED,
                (rs, n) -> rs.getLong(1)).get(0);
    }

    /** When the last run that was not paused started: the share of this run is the time since then. */
    Optional<Instant> previousStart() {
        List<Timestamp> t = sql.query("select max(started_at) from scrub_runs where outcome = 'done'",
                (rs, n) -> rs.getTimestamp(1));
        return t.isEmpty() || t.get(0) == null ? Optional.empty() : Optional.of(t.get(0).toInstant());
    }

    /** The files read longest ago (never read first) and not since {@code before} (this run's start). */
    List<Item> oldest(int limit, Instant before) {
        return items("(scrubbed_at is null or scrubbed_at < ?) order by scrubbed_at nulls first, id limit ?",
                Timestamp.from(before), limit);
    }

    /**
     * Files that failed in the archive (verify found a bad copy, say) and that the scrub has not read since they went
     * to error: read first, so a copy that can be restored is, and the file returns.
     */
    List<Item> unreadErrors(int limit) {
        return items("status = 'error' and (scrubbed_at is null or scrubbed_at < " + WENT_TO_ERROR + ") order by id limit ?",
                limit);
    }

    /** Whether the file is still one this run's first part reads: in error and not read since it went there. */
    boolean unreadError(UUID mediaId) {
        return !items("id = ? and status = 'error' and (scrubbed_at is null or scrubbed_at < " + WENT_TO_ERROR + ")",
                mediaId).isEmpty();
    }

    /**
     * The file the scrub mended goes back to the status it failed in, its error cleared; one back to 'archived' is
     * verified again on the verify stage's next pass. Empty when it is not in error from the archive.
     */
    Optional<String> returnFromError(UUID mediaId) {
        return sql.query("""
                update media_files set status = error_from, error = null,
                       verify_after = case when error_from = 'archived' then null else verify_after end
                 where id = ? and status = 'error' and error_from in %s returning status""".formatted(SCRUBBED_STATUSES),
                (rs, n) -> rs.getString(1), mediaId).stream().findFirst();
    }

    /** Whether the file is still one this run reads: no node has read it since {@code before}. */
    boolean due(UUID mediaId, Instant before) {
        return !items("id = ? and (scrubbed_at is null or scrubbed_at < ?)", mediaId, Timestamp.from(before)).isEmpty();
    }

    /** How many bytes the {@code limit} files read longest ago hold (the originals; links are read once). */
    long oldestBytes(int limit) {
        return sql.query("""
                select coalesce(sum(size), 0) from (select size from media_files where %s
                 order by scrubbed_at nulls first, id limit ?) due""".formatted(SCRUBBED),
                (rs, n) -> rs.getLong(1), limit).get(0);
    }

    private List<Item> items(String where, Object... args) {
        return sql.query("""
                select id, sha256, size, original_path, archive_path, compressed_path, compressed_sha256
                  from media_files where %s and %s""".formatted(SCRUBBED, where),
                (rs, n) -> new Item(rs.getObject(1, UUID.class), rs.getString(2), rs.getLong(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getString(7)), args);
    }

    /** The file as the ledger has it now, while it is still one the scrub reads. */
    Optional<Item> current(UUID mediaId) {
        return items("id = ?", mediaId).stream().findFirst();
    }

    long startRun(String node, Instant started, int planned) {
        return sql.inTx(j -> j.queryForObject(
                "insert into scrub_runs (node, started_at, planned) values (?, ?, ?) returning id", Long.class,
                node, Timestamp.from(started), planned));
    }

    void finishRun(long runId, Instant finished, ScrubRun.Figures f, String outcome, String note) {
        sql.update("""
                update scrub_runs set finished_at = ?, files = ?, bytes = ?, seconds = ?, findings = ?, restored = ?,
                       outcome = ?, note = ? where id = ?""",
                Timestamp.from(finished), f.files(), f.bytes(), f.seconds(), f.findings(), f.restored(), outcome, note,
                runId);
    }

    /**
     * These files were read in full at {@code at}: one transaction for all of them. A file in error is read no earlier
     * than it went there (the database's clock may differ from the run's), so it is not taken as unread again.
     */
    void scrubbed(List<UUID> mediaIds, Instant at) {
        if (mediaIds.isEmpty()) {
            return;
        }
        Timestamp t = Timestamp.from(at);
        sql.inTx(j -> j.batchUpdate("update media_files set scrubbed_at = case when status = 'error' then greatest(?, "
                        + WENT_TO_ERROR + ") else ? end where id = ?",
                mediaIds.stream().map(id -> new Object[] {t, t, id}).toList()));
    }

    /** Records the finding; false when the same damage is already open (reported once). */
    boolean open(Finding f, long runId) {
        return sql.update("""
                insert into scrub_findings (media_file_id, copy, path, kind, expected_sha256, found_sha256, expected_size,
                                            found_size, detail, run_id)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                on conflict (media_file_id, path, kind) where state = 'open' do nothing""",
                f.mediaId(), f.copy(), f.path(), f.kind(), f.expectedSha256(), f.foundSha256(), f.expectedSize(),
                f.foundSize(), f.detail(), runId) == 1;
    }

    /** The files with an open finding now. */
    Set<UUID> filesWithOpenFindings() {
        return new HashSet<>(sql.query("select distinct media_file_id from scrub_findings where state = 'open'",
                (rs, n) -> rs.getObject(1, UUID.class)));
    }

    /** A copy that reads right again (put back by hand): its open findings are resolved; false when none was open. */
    boolean resolved(UUID mediaId, String path) {
        return sql.update("""
                update scrub_findings set state = 'resolved', detail = coalesce(detail || '; ', '') || 'reads right again',
                       updated_at = now() where media_file_id = ? and path = ? and state = 'open'""", mediaId, path) > 0;
    }

    /** Where the damaged bytes of this copy are about to be linked (recorded before the link is made). */
    void settingAside(UUID mediaId, String path, String aside) {
        sql.update("update scrub_findings set set_aside_path = ?, updated_at = now() where media_file_id = ? and path = ? and state = 'open'",
                aside, mediaId, path);
    }

    void restored(UUID mediaId, String path, String from, String setAside) {
        sql.update("""
                update scrub_findings set state = 'restored', restored_from = ?, set_aside_path = coalesce(?, set_aside_path), updated_at = now()
                 where media_file_id = ? and path = ? and state = 'open'""", from, setAside, mediaId, path);
    }

    /**
     * Other local paths the ledger knows for this content, to restore from: its duplicates, and what cleanup moved to
     * trash/ (local_removals, relative to pipeline.home; the table may not exist on an older schema).
     */
    List<String> alternatives(UUID mediaId) {
        List<String> paths = new ArrayList<>(sql.query(
                "select duplicate_path from duplicate_files where original_file_id = ? and kind = 'exact' order by id",
                (rs, n) -> rs.getString(1), mediaId));
        boolean trash = sql.query("select to_regclass('local_removals') is not null", (rs, n) -> rs.getBoolean(1)).get(0);
        if (trash) {
            paths.addAll(sql.query("""
                    select trash_path from local_removals
                     where media_file_id = ? and state = 'trashed' and trash_path is not null order by 1""",
                    (rs, n) -> "trash:" + rs.getString(1), mediaId));
        }
        return paths;
    }
}
