package io.mediapipeline.dashboard.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.config.Secrets;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSON evidence (Syncthing's availability entry, iCloud's record names and checksums, verify's comparisons) as
 * "key: value" lines a person can read: nested keys joined with dots, list items numbered.
 */
final class Evidence {

    private static final ObjectMapper JSON = new ObjectMapper();
    // a page, not a dump: evidence is small, and anything past this is summarised
    private static final int MAX_LINES = 200;

    private Evidence() {
    }

    /** The lines, each a map with "key" and "value"; empty for no evidence; unparseable text as one line. */
    static List<Map<String, String>> lines(Object json) {
        List<Map<String, String>> out = new ArrayList<>();
        if (json == null) {
            return out;
        }
        String text = json.toString();
        if (text.isBlank()) {
            return out;
        }
        try {
            flatten("", JSON.readTree(text), out);
        } catch (IOException e) {
            out.add(Map.of("key", "(text)", "value", Secrets.mask(text)));
        }
        if (out.size() > MAX_LINES) {
            int more = out.size() - MAX_LINES;
            out.subList(MAX_LINES, out.size()).clear();
            out.add(Map.of("key", "…", "value", more + " more line(s)"));
        }
        return out;
    }

    private static void flatten(String prefix, JsonNode node, List<Map<String, String>> out) {
        if (out.size() > MAX_LINES) {
            return;
        }
        if (node.isObject()) {
            if (node.isEmpty()) {
                out.add(Map.of("key", prefix, "value", "{}"));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else if (node.isArray()) {
            if (node.isEmpty()) {
                out.add(Map.of("key", prefix, "value", "(none)"));
            }
            for (int i = 0; i < node.size(); i++) {
                flatten(prefix + "[" + (i + 1) + "]", node.get(i), out);
            }
        } else {
            String key = prefix.isEmpty() ? "value" : prefix;
            out.add(Map.of("key", key, "value", Secrets.show(key, node.isNull() ? "null" : node.asText())));
        }
    }
}
