package io.mediapipeline.dashboard.files;

import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.status.Wording;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The ledger's files by what a person remembers of one: part of its name, the start of its hash (8 hex digits or
 * more, as the originals' names and the pages show it), or the day or month it was taken. Newest first, at most
 * {@link #LIMIT}; the term only ever travels as a statement parameter.
 */
public final class Search {

    static final int LIMIT = 100;

    private static final Pattern HASH = Pattern.compile("[0-9a-fA-F]{8,64}");
    private static final Pattern DAY = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final Pattern MONTH = Pattern.compile("\\d{4}-\\d{2}");

    /** The local time a file was taken at, as its folder in sorted/ follows it. */
    static final String LOCAL_CAPTURE =
            "((m.captured_at at time zone 'UTC') + coalesce(m.capture_offset_min, 0) * interval '1 minute')";

    private static final String COLUMNS = """
            select m.id, m.original_name, m.kind, m.size, m.sha256, m.status, m.source,
                   to_char(%s, 'YYYY-MM-DD HH24:MI') as taken
              from media_files m
            """.formatted(LOCAL_CAPTURE);
    private static final String ORDER = " order by m.captured_at desc nulls last, m.created_at desc limit " + (LIMIT + 1);

    private final Ledger ledger;

    public Search(Ledger ledger) {
        this.ledger = ledger;
    }

    /** What was asked for, in words, and the files found (one more than the limit says "there are more"). */
    public record Result(String term, String understood, List<Map<String, Object>> files, boolean more) {
    }

    public Result find(String raw) {
        String term = raw == null ? "" : raw.strip();
        if (term.isEmpty()) {
            return result(term, "the newest files", ledger.rows(COLUMNS + ORDER));
        }
        if (DAY.matcher(term).matches()) {
            try {
                LocalDate day = LocalDate.parse(term);
                return result(term, "taken on " + day,
                        ledger.rows(COLUMNS + " where " + LOCAL_CAPTURE + "::date = ?" + ORDER, java.sql.Date.valueOf(day)));
            } catch (DateTimeParseException e) {
                // not a real day (2024-02-31): a name search then
            }
        }
        if (MONTH.matcher(term).matches()) {
            try {
                YearMonth month = YearMonth.parse(term);
                return result(term, "taken in " + month, ledger.rows(COLUMNS + " where date_trunc('month', "
                        + LOCAL_CAPTURE + ") = ?" + ORDER, java.sql.Timestamp.valueOf(month.atDay(1).atStartOfDay())));
            } catch (DateTimeParseException e) {
                // not a real month: a name search then
            }
        }
        String name = "%" + escapeLike(term) + "%";
        if (HASH.matcher(term).matches()) {
            return result(term, "a hash starting with " + term.toLowerCase(Locale.ROOT) + " or a name containing it",
                    ledger.rows(COLUMNS + " where m.sha256 like ? or m.original_name ilike ? escape '\\'" + ORDER,
                            term.toLowerCase(Locale.ROOT) + "%", name));
        }
        return result(term, "a name containing \"" + term + "\"",
                ledger.rows(COLUMNS + " where m.original_name ilike ? escape '\\'" + ORDER, name));
    }

    /** A LIKE pattern that matches the term literally: its %, _ and \ are no wildcards. */
    static String escapeLike(String term) {
        return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    private static Result result(String term, String understood, List<Map<String, Object>> rows) {
        boolean more = rows.size() > LIMIT;
        List<Map<String, Object>> files = more ? rows.subList(0, LIMIT) : rows;
        for (Map<String, Object> f : files) {
            f.put("size", Wording.bytes(((Number) f.get("size")).longValue()));
            f.put("shortSha", ((String) f.get("sha256")).substring(0, 12));
        }
        return new Result(term, understood, files, more);
    }
}
