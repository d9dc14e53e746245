package io.mediapipeline.report;

import io.mediapipeline.ledger.Ledger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What became of each file's upload to iCloud, in the report's words: confirmed, unproven, failed, registered (not
 * proven yet) or uploading (interrupted before registration), each with its reason. Only named fields of the
 * delivery's evidence are read: the upload receipt in it is a token and stays out of reports.
 */
final class IcloudDispositions {

    /** The files whose iCloud upload changed in a run, and how many per disposition. */
    record Run(List<Map<String, Object>> files, Map<String, Long> counts) {
    }

    private static final String COLUMNS = """
            select m.original_name, m.sha256, coalesce(m.original_path, m.source_path) as path, d.account, d.state,
                   d.uploaded_path, d.asset_record, d.last_error, d.next_check_at, d.updated_at,
                   d.evidence ->> 'duplicate' as duplicate, d.evidence ->> 'downloadedSha256' as downloaded
              from deliveries d join media_files m on m.id = d.media_file_id
             where d.target = 'icloud'""";

    private IcloudDispositions() {
    }

    /** Uploads touched by the run: recorded under it, updated since it started, or a state change since then. */
    static Run of(Ledger ledger, long runId) {
        List<Map<String, Object>> files = new ArrayList<>();
        Map<String, Long> counts = new TreeMap<>();
        for (Map<String, Object> r : ledger.rows(COLUMNS + """
                 and (d.run_id = ? or d.updated_at >= (select started_at from runs where id = ?)
                      or exists (select 1 from file_events e where e.media_file_id = d.media_file_id
                                    and e.entity = 'delivery:icloud'
                                    and e.created_at >= (select started_at from runs where id = ?)))
                 order by d.id""", runId, runId, runId)) {
            String disposition = disposition((String) r.get("state"));
            counts.merge(disposition, 1L, Long::sum);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("file", r.get("path"));
            f.put("name", r.get("original_name"));
            f.put("sha256", r.get("sha256"));
            f.put("account", r.get("account"));
            f.put("uploaded", r.get("uploaded_path"));
            f.put("disposition", disposition);
            f.put("state", r.get("state"));
            f.put("reason", reason(r));
            f.put("asset", r.get("asset_record"));
            files.add(f);
        }
        return new Run(files, counts);
    }

    /** Uploads still open (queued, interrupted, registered, unproven): what a `once` run leaves undone. */
    static List<Unfinished.Item> open(Ledger ledger) {
        List<Unfinished.Item> items = new ArrayList<>();
        for (Map<String, Object> r : ledger.rows(COLUMNS + """
                 and d.state in ('staged', 'reserved', 'sent', 'registered', 'unproven') order by d.id""")) {
            Object path = r.get("uploaded_path") != null ? r.get("uploaded_path") : r.get("path");
            items.add(new Unfinished.Item(String.valueOf(path), "iCloud upload " + r.get("state")
                    + (r.get("account") == null ? "" : " (account " + r.get("account") + ")") + ": " + reason(r)));
        }
        return items;
    }

    /** Uploads that failed during the run: not in iCloud, and the run says so. */
    static List<Unfinished.Item> failedIn(Ledger ledger, long runId) {
        return of(ledger, runId).files().stream().filter(f -> "failed".equals(f.get("disposition")))
                .map(f -> new Unfinished.Item(String.valueOf(f.get("uploaded") != null ? f.get("uploaded") : f.get("file")),
                        "iCloud upload failed: " + f.get("reason")))
                .toList();
    }

    static String disposition(String state) {
        return switch (state) {
            case "confirmed", "unproven", "failed", "registered" -> state;
            default -> "uploading"; // staged, reserved, sent: not registered yet, resumed where it stopped
        };
    }

    private static String reason(Map<String, Object> r) {
        String error = r.get("last_error") == null ? "no reason recorded" : String.valueOf(r.get("last_error"));
        Object at = r.get("next_check_at");
        // an instant in UTC, to the second: the JVM's zone and the microseconds say nothing to the reader
        String next = at == null ? "" : " at " + (at instanceof java.sql.Timestamp t
                ? t.toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) : at);
        return switch ((String) r.get("state")) {
            case "confirmed" -> "in iCloud: the asset is there, not deleted, on the master registered for it, and that"
                    + " master's size and checksum are those uploaded"
                    + (r.get("downloaded") != null ? "; downloaded back, same sha256" : "")
                    + ("true".equals(r.get("duplicate")) ? "; iCloud already held these bytes, so that asset counts" : "");
            case "registered" -> "registered in iCloud, not proven yet (looked up again" + next + ")";
            case "unproven" -> "uploaded, not proven in the library: " + error + " (looked up again" + next
                    + "; never uploaded twice)";
            case "failed" -> "not proven in iCloud: " + error;
            case "staged" -> "queued for upload, nothing sent yet";
            case "reserved" -> "upload slot reserved, bytes not sent yet; the next run resumes it";
            case "sent" -> "bytes sent, not registered yet; the next run resumes it";
            default -> "state " + r.get("state");
        };
    }
}
