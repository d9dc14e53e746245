package io.mediapipeline.icloud.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mediapipeline.proc.PrivateFile;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * icloudpd's {@code <name>.session}: the session and trust tokens (sent to accountLogin), scnt, session id, account
 * country and client id. Fields this side does not know are kept as they were. Not thread-safe: the owner
 * synchronizes.
 */
final class SessionFile {

    /** Response headers whose value the session keeps (the names icloudpd stores them under). */
    private static final Map<String, String> HEADERS = Map.of(
            "X-Apple-Session-Token", "session_token",
            "X-Apple-TwoSV-Trust-Token", "trust_token",
            "scnt", "scnt",
            "X-Apple-ID-Session-Id", "session_id",
            "X-Apple-ID-Account-Country", "account_country");

    private final ObjectNode fields;

    private SessionFile(ObjectNode fields) {
        this.fields = fields;
    }

    /** Reads the file; an absent or unreadable one gives an empty session (which accountLogin then refuses). */
    static SessionFile read(Path file, ObjectMapper json) throws IOException {
        if (!Files.isRegularFile(file)) {
            return new SessionFile(json.createObjectNode());
        }
        JsonNode node = json.readTree(file.toFile());
        return new SessionFile(node instanceof ObjectNode o ? o : json.createObjectNode());
    }

    void write(Path file, ObjectMapper json) throws IOException {
        PrivateFile.write(file, json.writeValueAsBytes(fields));
    }

    String sessionToken() {
        return fields.path("session_token").asText("");
    }

    String trustToken() {
        return fields.path("trust_token").asText("");
    }

    String accountCountry() {
        return fields.path("account_country").asText("");
    }

    /** The client id the service knows this browser by. */
    String clientId() {
        return fields.path("client_id").asText("");
    }

    /** Makes a client id when the session has none (as pyicloud does); true when one was made. */
    boolean ensureClientId() {
        if (!clientId().isEmpty()) {
            return false;
        }
        fields.put("client_id", "auth-" + UUID.randomUUID());
        return true;
    }

    /** Takes in the session headers of a response; true when something changed. */
    boolean absorb(HttpHeaders headers) {
        boolean changed = false;
        for (Map.Entry<String, String> e : HEADERS.entrySet()) {
            String value = headers.firstValue(e.getKey()).orElse(null);
            if (value != null && !value.equals(fields.path(e.getValue()).asText(null))) {
                fields.put(e.getValue(), value);
                changed = true;
            }
        }
        return changed;
    }

    @Override
    public String toString() {
        return "SessionFile" + fields.properties().stream().map(Map.Entry::getKey).toList(); // names only
    }
}
