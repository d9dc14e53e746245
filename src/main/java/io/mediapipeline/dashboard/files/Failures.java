package io.mediapipeline.dashboard.files;

import io.mediapipeline.ledger.Ledger;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What failed, newest first: media files in error (why, in which state, when) and quarantined inputs (where they
 * came from, their quarantine copy, why), each with a retry where one can help and a sentence where it cannot.
 */
public final class Failures {

    static final int PAGE = 50;

    private final Ledger ledger;
    private final Retries retries;

    public Failures(Ledger ledger, Retries retries) {
        this.ledger = ledger;
        this.retries = retries;
    }

    /** Page {@code page} (from 1) of both lists. */
    public Map<String, Object> page(int page) {
        int p = Math.max(1, page);
        int offset = (p - 1) * PAGE;
        List<Map<String, Object>> files = ledger.rows("""
                select id, original_name, kind, source, source_path, error, error_from, updated_at, original_path,
                       archive_path, compressed_path
                  from media_files where status = 'error' order by updated_at desc, id limit ? offset ?""", PAGE + 1, offset);
        List<Map<String, Object>> inputs = ledger.rows("""
                select id, source, source_path, place, reason, updated_at
                  from source_files where disposition = 'quarantined' order by updated_at desc, id desc limit ? offset ?""",
                PAGE + 1, offset);
        List<Map<String, Object>> compress = ledger.rows("""
                select id, original_name, kind, original_path, compress_reason, compress_failures, compressed_at
                  from media_files where compress_decision = 'failed' and compress_failures >= ?
                 order by compressed_at desc nulls last, id limit ? offset ?""", retries.compressMaxFailures(), PAGE + 1, offset);
        long inError = count("select count(*) as n from media_files where status = 'error'");
        long quarantined = count("select count(*) as n from source_files where disposition = 'quarantined'");
        boolean more = files.size() > PAGE || inputs.size() > PAGE || compress.size() > PAGE;
        boolean organizeOn = retries.organizeOn();
        Path quarantine = retries.quarantine();
        for (Map<String, Object> f : trim(files)) {
            verdict(f, RetryRules.forFile(f, organizeOn));
            f.put("id", f.get("id").toString());
            f.put("when", Formats.time(f.get("updated_at")));
        }
        for (Map<String, Object> q : trim(inputs)) {
            verdict(q, RetryRules.forInput(q, quarantine));
            q.put("when", Formats.time(q.get("updated_at")));
        }
        boolean compressOn = retries.compressOn();
        for (Map<String, Object> c : trim(compress)) {
            verdict(c, RetryRules.forCompress(c, compressOn));
            c.put("id", c.get("id").toString());
            c.put("when", Formats.time(c.get("compressed_at")));
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("compress", compress);
        model.put("hasCompress", !compress.isEmpty());
        model.put("files", files);
        model.put("inputs", inputs);
        model.put("hasFiles", !files.isEmpty());
        model.put("hasInputs", !inputs.isEmpty());
        model.put("inError", inError);
        model.put("quarantined", quarantined);
        model.put("page", p);
        model.put("previous", p > 1 ? p - 1 : null);
        model.put("next", more ? p + 1 : null);
        return model;
    }

    private static List<Map<String, Object>> trim(List<Map<String, Object>> rows) {
        if (rows.size() > PAGE) {
            rows.subList(PAGE, rows.size()).clear();
        }
        return rows;
    }

    private static void verdict(Map<String, Object> row, RetryRules.Verdict v) {
        row.put("retry", v.allowed() ? v.text() : null);
        row.put("noRetry", v.allowed() ? null : v.text());
    }

    private long count(String statement) {
        return ((Number) ledger.rows(statement).get(0).get("n")).longValue();
    }
}
