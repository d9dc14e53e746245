package io.mediapipeline.report;

import io.mediapipeline.ledger.Ledger;
import java.util.List;
import java.util.Map;

/** The report's "guard" section: each pause of this run (the guard closed, why, and when it opened again). */
final class GuardPauses {

    private GuardPauses() {
    }

    /** Puts the run's guard pauses into the report, when there were any. */
    static void put(Map<String, Object> doc, Ledger ledger, long runId) {
        List<Map<String, Object>> rows = ledger.rows("""
                select created_at::text as at, message from pipeline_logs
                 where run_id = ? and stage = 'guard' order by id""", runId);
        if (!rows.isEmpty()) {
            doc.put("guard", rows);
        }
    }
}
