package io.mediapipeline.report;

import io.mediapipeline.ledger.Ledger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The run report's "scrub" section: the scrub runs that started during the run (files, MB, MB/s, findings,
 * restored), each finding made or changed since the run started (copy, path, kind, state, where it was restored
 * from), and how many findings are open in all. Absent when no scrub ran and no finding moved.
 */
final class ScrubSection {

    private ScrubSection() {
    }

    static Optional<Map<String, Object>> of(Ledger ledger, long runId) {
        List<Map<String, Object>> runs = ledger.rows("""
                select s.id, s.started_at, s.finished_at, s.outcome, s.planned, s.files, s.bytes, s.seconds, s.findings,
                       s.restored, s.note
                  from scrub_runs s where s.started_at >= (select started_at from runs where id = ?) order by s.id""", runId);
        List<Map<String, Object>> findings = ledger.rows("""
                select f.copy, f.path, f.kind, f.state, f.expected_sha256, f.found_sha256, f.restored_from,
                       f.set_aside_path, f.detail, m.status
                  from scrub_findings f join media_files m on m.id = f.media_file_id
                 where f.updated_at >= (select started_at from runs where id = ?) order by f.id""", runId);
        if (runs.isEmpty() && findings.isEmpty()) {
            return Optional.empty();
        }
        for (Map<String, Object> r : runs) {
            double seconds = r.get("seconds") instanceof Number n ? n.doubleValue() : 0;
            long bytes = ((Number) r.get("bytes")).longValue();
            r.put("mbPerSecond", seconds > 0 ? Math.round(bytes / (double) (1L << 20) / seconds * 10) / 10.0 : null);
            r.replaceAll((k, v) -> v instanceof java.sql.Timestamp t ? t.toInstant().toString() : v);
        }
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("runs", runs);
        section.put("findings", findings);
        section.put("openFindings", ledger.rows("select count(*) as n from scrub_findings where state = 'open'").get(0).get("n"));
        return Optional.of(section);
    }
}
