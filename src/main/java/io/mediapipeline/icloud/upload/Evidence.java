package io.mediapipeline.icloud.upload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.time.Instant;

/** The json merged into a delivery's evidence at each step: what was sent, what the service answered, when. */
final class Evidence {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode node = JSON.createObjectNode();

    static Evidence of(String key, Object value) {
        return new Evidence().with(key, value);
    }

    Evidence with(String key, Object value) {
        if (value == null) {
            node.putNull(key);
        } else if (value instanceof JsonNode j) {
            node.set(key, j);
        } else if (value instanceof Number n) {
            node.put(key, n.longValue());
        } else if (value instanceof Boolean b) {
            node.put(key, b);
        } else {
            node.put(key, value.toString());
        }
        return this;
    }

    Evidence at(String key) {
        return with(key, Instant.now().toString());
    }

    String json() {
        return node.toString();
    }

    /** A stored evidence column (null: none yet). */
    static JsonNode read(String json) {
        try {
            return json == null ? JSON.createObjectNode() : JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The service's own json (the receipt), kept as an object rather than a string. */
    static JsonNode parse(String json) {
        return read(json);
    }

    static String text(JsonNode evidence, String key) {
        JsonNode v = evidence.get(key);
        return v == null || v.isNull() ? null : v.asText();
    }
}
