package io.mediapipeline.ledger;

import io.mediapipeline.media.MediaInfo;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;

/**
 * Ingest's ledger side for a whole batch of inputs: one look-up of the inputs by source key, one look-up of their
 * contents by hash, and one transaction that records every input of the batch (JDBC batches, so a few round trips
 * and one commit, not several commits per file). The caller has made every file the rows name durable before
 * {@link #commit}; a failed commit leaves no row, and the batch is simply done again.
 */
public class BatchLedger {

    private final LedgerSql sql;

    public BatchLedger(DataSource ds) {
        this.sql = new LedgerSql(ds);
    }

    /** An input the ledger has seen: its row and where its copy went. */
    public record Known(long id, String disposition, InputLedger.RecordedCopy copy) {
        public boolean finished() {
            return !"pending".equals(disposition);
        }
    }

    /**
     * The inputs among these source keys the ledger has a row for, by key: one query. Without copies only the rows'
     * dispositions are read (a rescan of a large tree asks this for every file: a third of the columns' bytes).
     */
    public Map<String, Known> known(Collection<String> sourceKeys, boolean withCopies) {
        Map<String, Known> known = new HashMap<>();
        String statement = withCopies
                ? "select source_key, id, disposition, place, size, sha256, media_file_id from source_files"
                : "select source_key, id, disposition from source_files";
        for (Object[] row : byAny(statement + " where source_key = any(?)", sourceKeys, rs -> new Object[] {
                rs.getString(1), new Known(rs.getLong(2), rs.getString(3), withCopies
                        ? new InputLedger.RecordedCopy(rs.getString(3), rs.getString(4), rs.getObject(5, Long.class),
                                rs.getString(6), rs.getObject(7, UUID.class))
                        : null)})) {
            known.put((String) row[0], (Known) row[1]);
        }
        return known;
    }

    /** One query whose single parameter is the given values as a text array; each row mapped. */
    private <T> List<T> byAny(String statement, Collection<String> values, RowMapper<T> rows) {
        if (values.isEmpty()) {
            return List.of();
        }
        return sql.inTx(j -> j.query(con -> {
            PreparedStatement ps = con.prepareStatement(statement);
            ps.setArray(1, con.createArrayOf("text", values.toArray()));
            return ps;
        }, (rs, n) -> rows.map(rs)));
    }

    /** Reads one row. */
    private interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /**
     * The finished inputs of one source as "path|size|modified" (their source key without the source): what a
     * source's consumer remembers. One query.
     */
    public List<String> finishedKeys(String source) {
        String prefix = source + ":";
        return sql.query("""
                select substr(source_key, ?) from source_files
                 where source = ? and disposition <> 'pending' and starts_with(source_key, ?)""",
                (rs, n) -> rs.getString(1), prefix.length() + 1, source, prefix);
    }

    /** Content the ledger holds: its row, its status, where it came from and where its original is. */
    public record Content(UUID id, String status, String sourcePath, String originalPath) {
        /** Content whose ingest never finished (a crash, or a failure before its original was placed). */
        public boolean unfinished() {
            return status.equals("ingesting") || status.equals("error") && originalPath == null;
        }
    }

    /** The contents among these hashes the ledger knows, by sha256: one query. */
    public Map<String, Content> contents(Collection<String> sha256s) {
        Map<String, Content> found = new HashMap<>();
        for (Object[] row : byAny("select sha256, id, status, source_path, original_path from media_files where sha256 = any(?)",
                sha256s, rs -> new Object[] {rs.getString(1), new Content(rs.getObject(2, UUID.class), rs.getString(3),
                        rs.getString(4), rs.getString(5))})) {
            found.put((String) row[0], (Content) row[1]);
        }
        return found;
    }

    /** Whether a row names this path as an original or a duplicate's copy (before a placed file is removed). */
    public boolean names(String path) {
        return Boolean.TRUE.equals(sql.inTx(j -> j.queryForObject("""
                select exists (select 1 from media_files where original_path = ?)
                    or exists (select 1 from duplicate_files where duplicate_path = ?)""", Boolean.class, path, path)));
    }

    /** How an input of the batch ends. */
    public enum Outcome {
        /** New content: its row is inserted with the input. */
        NEW,
        /** Content the ledger has but never finished (or whose original is lost): this input becomes its original. */
        RESUME,
        /** A copy of known content, kept as a duplicate. */
        DUPLICATE,
        /** Bad input left where it is (backfill), with its reason. */
        QUARANTINED
    }

    /**
     * One input's rows. {@code place} is where the file now is (its original, its duplicate copy, or where it was
     * left); {@code archived} says the place is already the archive (backfill).
     */
    public record Entry(Outcome outcome, String source, String sourceKey, String sourcePath, long size, String sha256,
                        UUID mediaId, MediaInfo info, Long perceptualHash, String place, boolean archived,
                        String reason) {
    }

    /** Records every entry in one transaction (see the class comment). */
    public void commit(long runId, List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        sql.inTx(j -> {
            admit(j, runId, entries);
            insertNew(j, entries);
            resume(j, entries);
            dispose(j, entries);
            return null;
        });
    }

    private static void admit(JdbcTemplate j, long runId, List<Entry> entries) {
        List<Object[]> rows = new ArrayList<>();
        for (Entry e : entries) {
            rows.add(new Object[] {runId, e.source(), e.sourceKey(), e.sourcePath(), e.size()});
        }
        // as Ledger.admitSource: a row seen before keeps its run unless it was still pending
        j.batchUpdate("""
                insert into source_files (run_id, source, source_key, source_path, size) values (?, ?, ?, ?, ?)
                on conflict (source_key) do update
                   set attempts = source_files.attempts + 1,
                       run_id = case when source_files.disposition = 'pending' then excluded.run_id
                                     else source_files.run_id end""", rows);
    }

    private static void insertNew(JdbcTemplate j, List<Entry> entries) {
        List<SqlParameterSource> rows = new ArrayList<>();
        for (Entry e : entries) {
            if (e.outcome() == Outcome.NEW) {
                String name = java.nio.file.Path.of(e.sourcePath()).getFileName().toString();
                MapSqlParameterSource row = Ledger.mediaRow(e.sha256(), e.size(), e.info(), e.source(), name, e.sourcePath());
                rows.add(row.addValue("id", e.mediaId()).addValue("perceptualHash", e.perceptualHash()));
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        new org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate(j).batchUpdate(
                "insert into media_files (" + Ledger.MEDIA_INSERT_COLUMNS
                        + ", id, perceptual_hash) values (" + Ledger.MEDIA_INSERT_VALUES
                        + ", :id, :perceptualHash) on conflict (sha256) do nothing",
                rows.toArray(SqlParameterSource[]::new));
        // the driver's counts say nothing here (rewritten batched inserts report SUCCESS_NO_INFO), so the rows are
        // counted: a new id that is not there lost its sha256 to another writer since the batch looked
        Object[] ids = rows.stream().map(r -> r.getValue("id")).toArray();
        Integer there = j.query(con -> {
            PreparedStatement ps = con.prepareStatement("select count(*) from media_files where id = any(?)");
            ps.setArray(1, con.createArrayOf("uuid", ids));
            return ps;
        }, rs -> rs.next() ? rs.getInt(1) : 0);
        if (there == null || there != ids.length) {
            throw new RecordedMeanwhileException((ids.length - (there == null ? 0 : there))
                    + " content(s) of this batch were recorded meanwhile by another writer; the batch is decided again");
        }
    }

    /**
     * As Ledger.markIngested (and markArchived for backfill), for every new or resumed content: a new row starts as
     * ingesting (the ledger's rule for a first status) and is ingested in the same transaction.
     */
    private static void resume(JdbcTemplate j, List<Entry> entries) {
        List<Object[]> back = new ArrayList<>();
        List<Object[]> ingested = new ArrayList<>();
        List<Object[]> moved = new ArrayList<>();
        List<Object[]> archived = new ArrayList<>();
        for (Entry e : entries) {
            if (e.outcome() == Outcome.NEW || e.outcome() == Outcome.RESUME) {
                back.add(new Object[] {e.mediaId()});
                ingested.add(new Object[] {e.place(), e.perceptualHash(), e.mediaId()});
                moved.add(new Object[] {e.place(), e.mediaId(), e.place()});
                if (e.archived()) {
                    archived.add(new Object[] {e.place(), e.mediaId()});
                }
            }
        }
        if (back.isEmpty()) {
            return;
        }
        // only resumed content can be in error (back to ingesting first: the trigger allows no other way) or
        // further along (it gets the new original's path); a batch of new content skips both statements
        if (back.size() > ingestedNew(entries)) {
            j.batchUpdate("""
                    update media_files set status = 'ingesting', error = null
                     where id = ? and status = 'error' and error_from = 'ingesting'""", back);
            j.batchUpdate("""
                    update media_files set original_path = ?
                     where id = ? and status not in ('ingesting', 'error') and original_path is distinct from ?""", moved);
        }
        everyRow(j, """
                update media_files m set status = 'ingested', original_path = v.place, error = null,
                       perceptual_hash = coalesce(v.phash, m.perceptual_hash)
                  from unnest(?::text[], ?::int8[], ?::uuid[]) as v(place, phash, id)
                 where m.id = v.id and m.status = 'ingesting'""", List.of("text", "int8", "uuid"), ingested);
        everyRow(j, """
                update media_files m set status = 'archived', archive_path = v.place
                  from unnest(?::text[], ?::uuid[]) as v(place, id)
                 where m.id = v.id and m.status = 'ingested'""", List.of("text", "uuid"), archived);
    }

    /**
     * One statement for all the rows: each parameter is a column of the rows, sent as an array the statement unnests.
     * A batch of 1000 inputs is then one execution, not 1000 (each with its own plan start and round of triggers'
     * set-up), which was most of a large backfill's commit time.
     */
    private static void everyRow(JdbcTemplate j, String statement, List<String> types, List<Object[]> rows) {
        if (rows.isEmpty()) {
            return;
        }
        j.update(con -> {
            PreparedStatement ps = con.prepareStatement(statement);
            for (int c = 0; c < types.size(); c++) {
                Object[] column = new Object[rows.size()];
                for (int r = 0; r < rows.size(); r++) {
                    column[r] = rows.get(r)[c];
                }
                ps.setArray(c + 1, con.createArrayOf(types.get(c), column));
            }
            return ps;
        });
    }

    private static long ingestedNew(List<Entry> entries) {
        return entries.stream().filter(e -> e.outcome() == Outcome.NEW).count();
    }

    /** Each input's disposition, and a duplicate's link to its original. */
    private static void dispose(JdbcTemplate j, List<Entry> entries) {
        List<Object[]> done = new ArrayList<>();
        List<Object[]> duplicates = new ArrayList<>();
        List<Object[]> quarantined = new ArrayList<>();
        for (Entry e : entries) {
            switch (e.outcome()) {
                case NEW, RESUME -> done.add(new Object[] {"imported", e.mediaId(), e.sha256(), e.place(), e.sourceKey()});
                case DUPLICATE -> {
                    done.add(new Object[] {"duplicate", e.mediaId(), e.sha256(), e.place(), e.sourceKey()});
                    duplicates.add(new Object[] {e.mediaId(), e.place(), e.sourcePath(), e.sourceKey()});
                }
                case QUARANTINED -> quarantined.add(new Object[] {e.sha256(), e.place(), e.reason(), e.sourceKey()});
            }
        }
        j.batchUpdate("""
                insert into duplicate_files (original_file_id, source_file_id, duplicate_path, source_path, kind)
                select ?, id, ?, ?, 'exact' from source_files where source_key = ?
                on conflict (original_file_id, duplicate_path) do nothing""", duplicates);
        everyRow(j, """
                update source_files s set disposition = v.disposition, media_file_id = v.media, sha256 = v.sha,
                       place = v.place, reason = null
                  from unnest(?::text[], ?::uuid[], ?::text[], ?::text[], ?::text[]) as v(disposition, media, sha, place, key)
                 where s.source_key = v.key and s.disposition = 'pending'""",
                List.of("text", "uuid", "text", "text", "text"), done);
        j.batchUpdate("""
                update source_files set disposition = 'quarantined', sha256 = ?, place = ?, reason = ?
                 where source_key = ? and disposition in ('pending', 'quarantined')""", quarantined);
    }
}
