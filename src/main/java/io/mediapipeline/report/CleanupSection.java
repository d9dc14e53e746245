package io.mediapipeline.report;

import io.mediapipeline.ledger.Ledger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The run report's "cleanup" section: every local removal the run touched (moved to trash/, purged, recovered
 * at startup, kept with its reason, or listed by a dry run as would-remove), and how many per state. Absent
 * when the run touched none.
 */
final class CleanupSection {

    private CleanupSection() {
    }

    static void put(Map<String, Object> doc, Ledger ledger, long runId) {
        List<Map<String, Object>> items = new ArrayList<>();
        Map<String, Long> counts = new TreeMap<>();
        for (Map<String, Object> r : ledger.rows("""
                select r.kind, r.path, r.trash_path, r.state, r.reason, r.purge_after, m.sha256
                  from local_removals r join media_files m on m.id = r.media_file_id
                 where r.run_id = ? or r.updated_at >= (select started_at from runs where id = ?)
                 order by r.id""", runId, runId)) {
            counts.merge((String) r.get("state"), 1L, Long::sum);
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("path", r.get("path"));
            item.put("kind", r.get("kind"));
            item.put("state", r.get("state"));
            item.put("sha256", r.get("sha256"));
            item.put("trash", r.get("trash_path"));
            item.put("purgeAfter", r.get("purge_after") instanceof java.sql.Timestamp t ? t.toInstant().toString() : null);
            item.put("reason", r.get("reason"));
            items.add(item);
        }
        if (!items.isEmpty()) {
            doc.put("cleanup", Map.of("counts", counts, "removals", items));
        }
    }
}
