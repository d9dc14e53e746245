package io.mediapipeline.dashboard.files;

import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.status.Wording;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Bytes before and after compression per month a file was taken (the local month, as sorted/ has it; files without
 * a date in a bar of their own): "before" is every original's size, "after" is what the library holds once each
 * file is replaced by its compressed copy where compress kept one (and by itself everywhere else).
 */
public final class Storage {

    /** One bar pair; month is "unknown" for files without a capture date. */
    public record Month(String month, long files, long compressed, long before, long after) {
        long saved() {
            return before - after;
        }
    }

    private final Ledger ledger;

    public Storage(Ledger ledger) {
        this.ledger = ledger;
    }

    public List<Month> months() {
        List<Month> months = new ArrayList<>();
        for (Map<String, Object> r : ledger.rows("""
                select to_char(date_trunc('month', %s), 'YYYY-MM') as month, count(*) as files,
                       count(*) filter (where m.compress_decision = 'compressed' and m.compressed_size is not null) as compressed,
                       sum(m.size) as before,
                       sum(case when m.compress_decision = 'compressed' and m.compressed_size is not null
                                then m.compressed_size else m.size end) as after
                  from media_files m
                 group by 1 order by 1 nulls last""".formatted(Search.LOCAL_CAPTURE))) {
            months.add(new Month(r.get("month") == null ? "unknown" : (String) r.get("month"), number(r, "files"),
                    number(r, "compressed"), number(r, "before"), number(r, "after")));
        }
        return months;
    }

    public Map<String, Object> model() {
        List<Month> months = months();
        long before = months.stream().mapToLong(Month::before).sum();
        long after = months.stream().mapToLong(Month::after).sum();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Month m : months) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("month", m.month());
            row.put("files", m.files());
            row.put("compressed", m.compressed());
            row.put("before", Wording.bytes(m.before()));
            row.put("after", Wording.bytes(m.after()));
            row.put("saved", Wording.bytes(m.saved()));
            row.put("beforeBytes", m.before());
            row.put("afterBytes", m.after());
            row.put("percent", percent(m.saved(), m.before()));
            rows.add(row);
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("months", rows);
        model.put("empty", rows.isEmpty());
        model.put("before", Wording.bytes(before));
        model.put("after", Wording.bytes(after));
        model.put("saved", Wording.bytes(before - after));
        model.put("savedBytes", before - after);
        model.put("percent", percent(before - after, before));
        model.put("chart", Chart.svg(months));
        return model;
    }

    private static String percent(long part, long whole) {
        return whole == 0 ? "0%" : String.format(Locale.ROOT, "%.1f%%", 100.0 * part / whole);
    }

    private static long number(Map<String, Object> row, String column) {
        Object v = row.get(column);
        return v == null ? 0 : ((Number) v).longValue();
    }
}
