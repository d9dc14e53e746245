package io.mediapipeline.report;

import io.mediapipeline.ledger.Ledger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The run report's "nearDuplicates" section: every group of near-duplicates that gained a pair in this run, one row
 * per member with its group number, path, distance to the suggested keeper (Hamming bits of the perceptual hashes),
 * whether it is the one to keep and why. For review only: nothing was moved or deleted. Absent when the run found none.
 */
final class NearSection {

    private NearSection() {
    }

    /** Adds the section when there is something to show; returns how many groups it lists. */
    static int put(Map<String, Object> doc, Ledger ledger, long runId) {
        List<Map<String, Object>> rows = ledger.rows("""
                with found as (
                    select d.original_file_id as id from duplicate_files d
                     where d.kind = 'near' and d.created_at >= (select started_at from runs where id = ?)
                    union select d.near_file_id from duplicate_files d
                     where d.kind = 'near' and d.created_at >= (select started_at from runs where id = ?)),
                groups as (select distinct g.keeper_id from near_groups g join found f on f.id = g.media_file_id)
                select g.keeper_id, m.id, m.kind, coalesce(m.archive_path, m.original_path) as path, m.width, m.height,
                       m.size, bit_count((m.perceptual_hash # k.perceptual_hash)::bit(64))::int as distance, g.keep, g.reason
                  from near_groups g join groups using (keeper_id)
                  join media_files m on m.id = g.media_file_id join media_files k on k.id = g.keeper_id
                 order by g.keeper_id, g.keep desc, distance, m.created_at""", runId, runId);
        if (rows.isEmpty()) {
            return 0;
        }
        List<Map<String, Object>> files = new ArrayList<>();
        int group = 0;
        UUID current = null;
        for (Map<String, Object> r : rows) {
            if (!r.get("keeper_id").equals(current)) {
                current = (UUID) r.get("keeper_id");
                group++;
            }
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("group", group);
            f.put("file", r.get("path"));
            f.put("kind", r.get("kind"));
            f.put("size", r.get("width") == null ? null : r.get("width") + "x" + r.get("height"));
            f.put("bytes", r.get("size"));
            f.put("distance", r.get("distance"));
            f.put("keep", r.get("keep"));
            f.put("reason", r.get("reason"));
            f.put("id", r.get("id").toString());
            files.add(f);
        }
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("groups", group);
        section.put("note", "suggestions only: nothing was moved or deleted");
        section.put("files", files);
        doc.put("nearDuplicates", section);
        return group;
    }
}
