package io.mediapipeline.report;

import io.mediapipeline.ledger.Ledger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The run report's "verify" section: how many files were verified and how many failed verification in the run, how
 * many archived files wait for a target now, and each file in error with its reason. Left out when all are zero.
 */
final class VerifySection {

    private VerifySection() {
    }

    static void addTo(Map<String, Object> doc, Ledger ledger, long runId) {
        List<Map<String, Object>> errors = new ArrayList<>();
        for (Map<String, Object> r : ledger.rows("""
                select coalesce(m.archive_path, m.original_path) as file, e.detail as reason
                  from file_events e join media_files m on m.id = e.media_file_id
                 where e.entity = 'media_file' and e.from_state = 'archived' and e.to_state = 'error'
                   and e.detail like 'verify: %' and e.created_at >= (select started_at from runs where id = ?)
                 order by e.id""", runId)) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("file", r.get("file"));
            f.put("reason", ((String) r.get("reason")).substring("verify: ".length()));
            errors.add(f);
        }
        Map<String, Object> n = ledger.rows("""
                select (select count(*) from file_events
                         where entity = 'media_file' and to_state = 'verified'
                           and created_at >= (select started_at from runs where id = ?)) as verified,
                       (select count(*) from media_files where status = 'archived' and verify_check is not null
                           and verify_check not like 'verifying on %') as waiting""", runId).get(0);
        long verified = ((Number) n.get("verified")).longValue();
        long waiting = ((Number) n.get("waiting")).longValue();
        if (verified == 0 && waiting == 0 && errors.isEmpty()) {
            return;
        }
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("verified", verified);
        section.put("waiting", waiting);
        section.put("errors", errors.size());
        section.put("errorFiles", errors);
        doc.put("verify", section);
    }
}
