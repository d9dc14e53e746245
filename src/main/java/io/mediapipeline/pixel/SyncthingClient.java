package io.mediapipeline.pixel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.http.HttpComponent;

/**
 * Syncthing's REST API over camel-http, limited to what 1.19.2 (our Debian server) has: the key
 * travels only in the X-API-Key header (never in a URI, never logged), query values are encoded,
 * and every non-2xx answer becomes a {@link SyncthingException} whose message says what to fix.
 */
public class SyncthingClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final java.util.function.Supplier<CamelContext> context;
    private ProducerTemplate template;
    private final String baseUrl;
    private final String endpoint;
    private final String apiKey;

    public SyncthingClient(CamelContext context, String baseUrl, String apiKey) {
        this(() -> context, baseUrl, apiKey);
    }

    /** For beans bound before Camel starts: the context is looked up on first use. */
    public SyncthingClient(java.util.function.Supplier<CamelContext> context, String baseUrl, String apiKey) {
        this.context = context;
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        // One endpoint for every call: path and query go in headers, so the endpoint registry stays small.
        this.endpoint = this.baseUrl + "?throwExceptionOnFailure=false&skipResponseHeaders=true";
        this.apiKey = apiKey;
    }

    /** Short timeouts to connect, a long one to read (a scan answers only when it has finished). */
    public static void configure(CamelContext context, int connectMillis, int readMillis) {
        HttpComponent http = context.getComponent("http", HttpComponent.class);
        http.setConnectTimeout(connectMillis);
        http.setConnectionRequestTimeout(connectMillis);
        http.setSoTimeout(readMillis);
        http.setResponseTimeout(readMillis);
    }

    public String baseUrl() {
        return baseUrl;
    }

    public JsonNode ping() {
        return json(get("/rest/system/ping", Map.of()));
    }

    /** e.g. "v1.19.2-ds1". */
    public String version() {
        return json(get("/rest/system/version", Map.of())).path("version").asText();
    }

    public String myId() {
        return json(get("/rest/system/status", Map.of())).path("myID").asText();
    }

    /** The "connections" object: device id to {connected, paused, address, clientVersion, ...}; includes this device. */
    public JsonNode connections() {
        return json(get("/rest/system/connections", Map.of())).path("connections");
    }

    /** Scans only folder/sub; returns when the scan has finished. */
    public void scan(String folder, String sub) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("folder", folder);
        q.put("sub", sub);
        call("POST", "/rest/db/scan", q);
    }

    /** completion, needItems, needBytes, globalItems, sequence: information only, never proof. */
    public JsonNode completion(String folder, String device) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("folder", folder);
        q.put("device", device);
        return json(get("/rest/db/completion", q));
    }

    /** The folder's state (idle, scanning, error, ...) on this device. */
    public JsonNode folderStatus(String folder) {
        return json(get("/rest/db/status", Map.of("folder", folder)));
    }

    /** The folder's configuration (type, path, devices). */
    public JsonNode folderConfig(String folder) {
        return json(get("/rest/config/folders/" + URLEncoder.encode(folder, StandardCharsets.UTF_8).replace("+", "%20"), Map.of()));
    }

    /** db/file for one path, or null when Syncthing has no such file in its index (404). */
    public JsonNode file(String folder, String name) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("folder", folder);
        q.put("file", name);
        try {
            return json(get("/rest/db/file", q));
        } catch (SyncthingException e) {
            if (e.kind() == SyncthingException.Kind.NOT_FOUND && e.getMessage().contains("No such object")) {
                return null;
            }
            throw e;
        }
    }

    public String get(String path, Map<String, String> query) {
        return call("GET", path, query);
    }

    public String post(String path, Map<String, String> query, String jsonBody) {
        return call("POST", path, query, jsonBody);
    }

    public String call(String method, String path, Map<String, String> query) {
        return call(method, path, query, null);
    }

    public String call(String method, String path, Map<String, String> query, String jsonBody) {
        Exchange ex = template().request(endpoint, e -> {
            var in = e.getIn();
            in.setHeader(Exchange.HTTP_METHOD, method);
            in.setHeader(Exchange.HTTP_PATH, path);
            if (!query.isEmpty()) {
                StringBuilder sb = new StringBuilder();
                query.forEach((k, v) -> {
                    if (!sb.isEmpty()) sb.append('&');
                    sb.append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20"));
                });
                in.setHeader(Exchange.HTTP_QUERY, sb.toString());
            }
            in.setHeader("X-API-Key", apiKey);
            if (jsonBody != null) {
                in.setHeader(Exchange.CONTENT_TYPE, "application/json");
                in.setBody(jsonBody);
            } else {
                in.setBody(null);
            }
        });
        if (ex.getException() != null) {
            Throwable cause = ex.getException();
            throw new SyncthingException(SyncthingException.Kind.UNREACHABLE, 0,
                    "Syncthing is not reachable at " + baseUrl + " (" + rootMessage(cause) + "); is it running?", cause);
        }
        int status = ex.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        String body = ex.getMessage().getBody(String.class);
        body = body == null ? "" : body.trim();
        if (status >= 200 && status < 300) {
            return body;
        }
        String what = method + " " + path;
        if (body.contains("no such folder")) { // 404 from db/completion, 500 from db/scan in 1.19.2
            throw new SyncthingException(SyncthingException.Kind.NOT_FOUND, status, what + ": no such folder (HTTP " + status + ")", null);
        }
        switch (status) {
            case 401, 403 -> throw new SyncthingException(SyncthingException.Kind.FORBIDDEN, status,
                    "Syncthing at " + baseUrl + " refused the API key (HTTP " + status
                            + "); check pipeline.target.pixel.api-key against the GUI's Settings > API Key", null);
            case 404 -> throw new SyncthingException(SyncthingException.Kind.NOT_FOUND, status,
                    what + ": " + (body.isEmpty() ? "not found" : body) + " (HTTP 404)", null);
            case 400 -> throw new SyncthingException(SyncthingException.Kind.BAD_REQUEST, status,
                    what + ": " + body + " (HTTP 400)", null);
            default -> throw new SyncthingException(SyncthingException.Kind.FAILED, status,
                    what + ": HTTP " + status + (body.isEmpty() ? "" : " " + body), null);
        }
    }

    private synchronized ProducerTemplate template() {
        if (template == null) {
            CamelContext ctx = context.get();
            configure(ctx, 3_000, 120_000);
            template = ctx.createProducerTemplate();
        }
        return template;
    }

    private static JsonNode json(String body) {
        try {
            return JSON.readTree(body.isEmpty() ? "null" : body);
        } catch (Exception e) {
            throw new SyncthingException(SyncthingException.Kind.FAILED, 200, "Syncthing answered with something that is not JSON", e);
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
