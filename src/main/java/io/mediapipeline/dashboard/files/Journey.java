package io.mediapipeline.dashboard.files;

import io.mediapipeline.config.Secrets;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.status.Wording;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One file's whole story from the ledger: its row, every event in the order it happened, every path the ledger
 * knows for it (and whether it is there now), the inputs that brought it, its duplicates, its deliveries with their
 * evidence, what cleanup removed and what the scrub found.
 */
public final class Journey {

    private final Ledger ledger;

    public Journey(Ledger ledger) {
        this.ledger = ledger;
    }

    /** The page's model; empty for an id that is not a file in the ledger. */
    public Optional<Map<String, Object>> of(String id) {
        UUID uuid = uuid(id).orElse(null);
        if (uuid == null) {
            return Optional.empty();
        }
        List<Map<String, Object>> rows = ledger.rows("select m.*, to_char(" + Search.LOCAL_CAPTURE
                + ", 'YYYY-MM-DD HH24:MI:SS') as taken from media_files m where m.id = ?", uuid);
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Object> m = rows.get(0);
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("file", file(m));
        model.put("photo", "photo".equals(m.get("kind")));
        model.put("paths", paths(uuid, m));
        model.put("events", events(uuid));
        model.put("inputs", times(ledger.rows("""
                select source, source_path, disposition, place, reason, last_error, created_at
                  from source_files where media_file_id = ? order by id""", uuid), "created_at"));
        model.put("duplicates", times(ledger.rows("""
                select duplicate_path, source_path, kind, created_at
                  from duplicate_files where original_file_id = ? and kind = 'exact' order by id""", uuid), "created_at"));
        model.put("deliveries", deliveries(uuid));
        model.put("removals", withEvidence(times(ledger.rows("""
                select kind, path, state, trash_path, reason, proof::text as proof, created_at, trashed_at, purged_at
                  from local_removals where media_file_id = ? order by id""", uuid), "created_at", "trashed_at", "purged_at"),
                "proof"));
        model.put("findings", times(ledger.rows("""
                select copy, path, kind, state, expected_sha256, found_sha256, detail, restored_from, set_aside_path, created_at
                  from scrub_findings where media_file_id = ? order by id""", uuid), "created_at"));
        // the other members of its group of near-duplicates, with the keep suggestion (the Similar page has them all)
        model.put("similar", ledger.rows("""
                select o.media_file_id::text as id, m.original_name as name, o.keep, o.reason,
                       bit_count((m.perceptual_hash # me.perceptual_hash)::bit(64))::int as distance
                  from near_groups g join near_groups o on o.keeper_id = g.keeper_id and o.media_file_id <> g.media_file_id
                  join media_files m on m.id = o.media_file_id join media_files me on me.id = g.media_file_id
                 where g.media_file_id = ? order by o.keep desc, distance""", uuid));
        model.put("similarReason", ledger.rows("select reason from near_groups where media_file_id = ?", uuid).stream()
                .map(r -> r.get("reason")).findFirst().orElse(null));
        for (String list : List.of("inputs", "duplicates", "deliveries", "removals", "findings", "similar")) {
            model.put("has" + Character.toUpperCase(list.charAt(0)) + list.substring(1), !((List<?>) model.get(list)).isEmpty());
        }
        return Optional.of(model);
    }

    static Optional<UUID> uuid(String id) {
        try {
            return id == null ? Optional.empty() : Optional.of(UUID.fromString(id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private Map<String, Object> file(Map<String, Object> m) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("id", m.get("id").toString());
        f.put("name", m.get("original_name"));
        f.put("kind", m.get("kind"));
        f.put("format", m.get("format"));
        long size = ((Number) m.get("size")).longValue();
        f.put("size", Wording.bytes(size));
        f.put("sizeBytes", size);
        f.put("sha256", m.get("sha256"));
        f.put("taken", m.get("taken") == null ? "unknown" : m.get("taken"));
        f.put("captureSource", m.get("capture_source"));
        f.put("dimensions", m.get("width") == null ? null : m.get("width") + " × " + m.get("height"));
        f.put("source", m.get("source"));
        f.put("sourcePath", m.get("source_path"));
        f.put("status", m.get("status"));
        f.put("error", m.get("error"));
        f.put("errorFrom", m.get("error_from"));
        f.put("compressDecision", m.get("compress_decision"));
        f.put("compressReason", m.get("compress_reason"));
        f.put("verifyCheck", m.get("verify_check"));
        f.put("verifiedAt", Formats.time(m.get("verified_at")));
        f.put("livePair", m.get("live_pair_id") == null ? null : m.get("live_pair_id").toString());
        return f;
    }

    private List<Map<String, Object>> paths(UUID id, Map<String, Object> m) {
        List<Map<String, Object>> paths = new ArrayList<>();
        path(paths, "original", m.get("original_path"));
        path(paths, "archive (sorted/)", m.get("archive_path"));
        path(paths, "compressed copy", m.get("compressed_path"));
        for (Map<String, Object> d : ledger.rows(
                "select target, staged_path, uploaded_path from deliveries where media_file_id = ? order by id", id)) {
            path(paths, "bridge (" + d.get("target") + ")", d.get("staged_path"));
            path(paths, "uploaded to " + d.get("target"), d.get("uploaded_path"));
        }
        for (Map<String, Object> d : ledger.rows(
                "select duplicate_path from duplicate_files where original_file_id = ? and kind = 'exact' order by id", id)) {
            path(paths, "duplicate", d.get("duplicate_path"));
        }
        for (Map<String, Object> r : ledger.rows(
                "select trash_path, state from local_removals where media_file_id = ? and trash_path is not null order by id", id)) {
            path(paths, "trash (" + r.get("state") + ")", r.get("trash_path"));
        }
        return paths;
    }

    private static void path(List<Map<String, Object>> paths, String label, Object path) {
        if (path == null) {
            return;
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("label", label);
        p.put("path", path.toString());
        p.put("present", Files.exists(Path.of(path.toString()), LinkOption.NOFOLLOW_LINKS));
        paths.add(p);
    }

    /** The file's events and those of the inputs that brought it, in the order they happened. */
    private List<Map<String, Object>> events(UUID id) {
        List<Map<String, Object>> events = ledger.rows("""
                select e.id, e.created_at, e.entity, e.from_state, e.to_state, e.detail, e.evidence::text as evidence
                  from file_events e
                 where e.media_file_id = ?
                    or e.source_file_id in (select s.id from source_files s where s.media_file_id = ?)
                 order by e.id""", id, id);
        for (Map<String, Object> e : events) {
            e.put("at", Formats.time(e.get("created_at")));
            e.put("detail", Secrets.mask((String) e.get("detail")));
        }
        return withEvidence(events, "evidence");
    }

    private List<Map<String, Object>> deliveries(UUID id) {
        List<Map<String, Object>> rows = ledger.rows("""
                select target, state, account, staged_path, uploaded_path, uploaded_sha256, uploaded_size, asset_record,
                       master_record, attempts, last_error, confirmed_at, sent_at, evidence::text as evidence
                  from deliveries where media_file_id = ? order by id""", id);
        for (Map<String, Object> d : rows) {
            d.put("last_error", Secrets.mask((String) d.get("last_error")));
        }
        return withEvidence(times(rows, "confirmed_at", "sent_at"), "evidence");
    }

    private List<Map<String, Object>> times(List<Map<String, Object>> rows, String... columns) {
        for (Map<String, Object> r : rows) {
            for (String c : columns) {
                r.put(c, Formats.time(r.get(c)));
            }
        }
        return rows;
    }

    /** Each row's JSON column as readable lines under "lines". */
    private static List<Map<String, Object>> withEvidence(List<Map<String, Object>> rows, String column) {
        for (Map<String, Object> r : rows) {
            List<Map<String, String>> lines = Evidence.lines(r.remove(column));
            r.put("lines", lines);
            r.put("hasLines", !lines.isEmpty());
        }
        return rows;
    }
}
