package io.mediapipeline.dashboard.files;

import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.status.Wording;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The groups of near-duplicates the ledger holds (near_groups, duplicate_files of kind near), newest first: each
 * member with its distance to the suggested keeper and the reason. Read-only: the pipeline never acts on them.
 */
public final class Similar {

    /** Groups on the page, at most: a page to review, not an export. */
    static final int GROUPS = 100;

    private final Ledger ledger;

    public Similar(Ledger ledger) {
        this.ledger = ledger;
    }

    public Map<String, Object> model() {
        List<Map<String, Object>> rows = ledger.rows("""
                with shown as (select keeper_id, max(updated_at) as changed from near_groups
                                group by keeper_id order by changed desc limit ?)
                select g.keeper_id, m.id, m.kind, m.original_name, coalesce(m.archive_path, m.original_path) as path,
                       m.width, m.height, m.size, g.keep, g.reason, to_char(shown.changed, 'YYYY-MM-DD HH24:MI') as changed,
                       bit_count((m.perceptual_hash # k.perceptual_hash)::bit(64))::int as distance
                  from near_groups g join shown using (keeper_id)
                  join media_files m on m.id = g.media_file_id join media_files k on k.id = g.keeper_id
                 order by shown.changed desc, g.keeper_id, g.keep desc, distance, m.created_at""", GROUPS);
        List<Map<String, Object>> groups = new ArrayList<>();
        Map<String, Object> group = null;
        for (Map<String, Object> r : rows) {
            String keeper = r.get("keeper_id").toString();
            if (group == null || !keeper.equals(group.get("keeper"))) {
                group = new LinkedHashMap<>();
                group.put("keeper", keeper);
                group.put("changed", r.get("changed"));
                group.put("members", new ArrayList<Map<String, Object>>());
                groups.add(group);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", r.get("id").toString());
            m.put("name", r.get("original_name"));
            m.put("path", r.get("path"));
            m.put("photo", "photo".equals(r.get("kind")));
            m.put("kind", r.get("kind"));
            m.put("dimensions", r.get("width") == null ? "" : r.get("width") + "x" + r.get("height"));
            m.put("size", Wording.bytes(((Number) r.get("size")).longValue()));
            m.put("distance", r.get("distance"));
            m.put("keep", r.get("keep"));
            m.put("reason", r.get("reason"));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> members = (List<Map<String, Object>>) group.get("members");
            members.add(m);
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("groups", groups);
        model.put("count", groups.size());
        model.put("none", groups.isEmpty());
        return model;
    }
}
