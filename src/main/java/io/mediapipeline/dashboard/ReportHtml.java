package io.mediapipeline.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import io.mediapipeline.status.Wording;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * A run report as sections a person reads: the run's own fields first, then one section per part of the report
 * (counts, compression, iCloud, verify, files...), each with its figures as a list and its lists as tables.
 * Generic on purpose: a stage that adds a part to the report shows up here without a change.
 */
final class ReportHtml {

    // a report of a big backfill lists every file: the page shows the first ones and says how many more
    static final int MAX_ROWS = 500;

    private ReportHtml() {
    }

    static List<Map<String, Object>> sections(JsonNode doc) {
        List<Map<String, Object>> out = new ArrayList<>();
        List<Map<String, Object>> summary = new ArrayList<>();
        List<Map<String, Object>> later = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = doc.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isValueNode() || e.getValue().isNull()) {
                summary.add(figure(e.getKey(), e.getValue()));
            } else {
                later.add(section(e.getKey(), e.getValue()));
            }
        }
        out.add(Map.of("title", "Run", "id", "run", "figures", summary, "tables", List.of()));
        out.addAll(later);
        return out;
    }

    private static Map<String, Object> section(String key, JsonNode node) {
        List<Map<String, Object>> figures = new ArrayList<>();
        List<Map<String, Object>> tables = new ArrayList<>();
        if (node.isArray()) {
            tables.add(table("", node));
        } else {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                if (v.isArray()) {
                    tables.add(table(words(e.getKey()), v));
                } else if (v.isObject() && allValues(v)) {
                    figures.add(Map.of("key", words(e.getKey()), "value", inline(v)));
                } else if (v.isObject()) {
                    tables.add(table(words(e.getKey()), objectRows(v)));
                } else {
                    figures.add(figure(e.getKey(), v));
                }
            }
        }
        return Map.of("title", words(key), "id", key, "figures", figures, "tables", tables);
    }

    /** A list as a table: one row per element, one column per field any element has. */
    private static Map<String, Object> table(String title, JsonNode list) {
        Set<String> columns = new LinkedHashSet<>();
        for (JsonNode row : list) {
            if (row.isObject()) {
                row.fieldNames().forEachRemaining(columns::add);
            }
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        int n = 0;
        for (JsonNode row : list) {
            if (n++ == MAX_ROWS) {
                break;
            }
            List<String> cells = new ArrayList<>();
            if (columns.isEmpty()) {
                cells.add(inline(row));
            } else {
                for (String c : columns) {
                    cells.add(inline(row.get(c)));
                }
            }
            rows.add(Map.of("cells", cells));
        }
        List<String> heads = columns.isEmpty() ? List.of("") : columns.stream().map(ReportHtml::words).toList();
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("title", title);
        t.put("columns", heads);
        t.put("rows", rows);
        t.put("count", list.size());
        t.put("more", list.size() > MAX_ROWS ? (list.size() - MAX_ROWS) + " more not shown" : "");
        t.put("empty", list.isEmpty());
        return t;
    }

    /** An object of objects (per account, per target...) as a list of rows with its key as the first field. */
    private static JsonNode objectRows(JsonNode obj) {
        var array = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        obj.fields().forEachRemaining(e -> {
            var row = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            row.put("name", e.getKey());
            if (e.getValue().isObject()) {
                row.setAll((com.fasterxml.jackson.databind.node.ObjectNode) e.getValue());
            } else {
                row.set("value", e.getValue());
            }
            array.add(row);
        });
        return array;
    }

    private static boolean allValues(JsonNode obj) {
        for (JsonNode v : obj) {
            if (!v.isValueNode() && !v.isNull()) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, Object> figure(String key, JsonNode v) {
        // sizes read better in MB; the exact count stays beside them
        String value = key.toLowerCase(Locale.ROOT).contains("bytes") && v.canConvertToLong()
                ? Wording.bytes(v.asLong()) + " (" + v.asLong() + ")" : inline(v);
        return Map.of("key", words(key), "value", value);
    }

    /** A value on one line: "a: 1, b: 2" for an object, "x, y" for a list, "" for null. */
    static String inline(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "";
        }
        if (v.isValueNode()) {
            return v.asText();
        }
        StringJoiner j = new StringJoiner(", ");
        if (v.isArray()) {
            v.forEach(x -> j.add(inline(x)));
        } else {
            v.fields().forEachRemaining(e -> j.add(words(e.getKey()) + ": " + inline(e.getValue())));
        }
        return j.toString();
    }

    /** "workFinishedAt" → "work finished at", "notDone" → "not done". */
    static String words(String key) {
        String spaced = key.replaceAll("([a-z0-9])([A-Z])", "$1 $2").replace('_', ' ').replace('-', ' ');
        return spaced.isEmpty() ? spaced : spaced.substring(0, 1).toUpperCase(Locale.ROOT)
                + spaced.substring(1).toLowerCase(Locale.ROOT);
    }
}
