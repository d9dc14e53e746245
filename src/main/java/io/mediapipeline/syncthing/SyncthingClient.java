package io.mediapipeline.syncthing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.proc.RootCause;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.StartupSummaryLevel;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.hc.client5.http.ConnectTimeoutException;

/**
 * Syncthing's REST API over camel-http, limited to what 1.19.2 (our Debian server) has: the key travels
 * only in the X-API-Key header (never in a URI, never logged), query values are encoded, bodies are
 * written by Jackson, and every non-2xx answer becomes a {@link SyncthingException} whose message says
 * what to fix. The timeouts are options of this client's own endpoint, so the context's shared http
 * component keeps its own.
 */
public class SyncthingClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Short to connect; long to read, since a scan answers only when it has finished. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(120);

    private final CamelContext camel;
    private final boolean ownsContext;
    private final String baseUrl;
    private final String endpoint;
    private final String apiKey;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private ProducerTemplate template;

    public SyncthingClient(CamelContext camel, String baseUrl, String apiKey) {
        this(camel, baseUrl, apiKey, CONNECT_TIMEOUT, READ_TIMEOUT);
    }

    public SyncthingClient(CamelContext camel, String baseUrl, String apiKey, Duration connectTimeout, Duration readTimeout) {
        this(camel, false, baseUrl, apiKey, connectTimeout, readTimeout);
    }

    private SyncthingClient(CamelContext camel, boolean ownsContext, String baseUrl, String apiKey,
                            Duration connectTimeout, Duration readTimeout) {
        this.camel = camel;
        this.ownsContext = ownsContext;
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.apiKey = apiKey;
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        // one endpoint for every call (path and query travel in headers), so the endpoint registry stays small
        this.endpoint = this.baseUrl + "?throwExceptionOnFailure=false&skipResponseHeaders=true"
                + "&connectTimeout=" + connectTimeout.toMillis() + "&connectionRequestTimeout=" + connectTimeout.toMillis()
                + "&soTimeout=" + readTimeout.toMillis() + "&responseTimeout=" + readTimeout.toMillis();
    }

    /** For callers without an application context (doctor, the loopback pair): a small context of its own, closed by {@link #close}. */
    public static SyncthingClient standalone(String baseUrl, String apiKey) {
        return standalone(baseUrl, apiKey, CONNECT_TIMEOUT, READ_TIMEOUT);
    }

    public static SyncthingClient standalone(String baseUrl, String apiKey, Duration connectTimeout, Duration readTimeout) {
        DefaultCamelContext camel = new DefaultCamelContext();
        camel.disableJMX(); // a helper context: nothing to manage, and no second set of MBeans next to the app's
        camel.setStartupSummaryLevel(StartupSummaryLevel.Off);
        camel.start();
        return new SyncthingClient(camel, true, baseUrl, apiKey, connectTimeout, readTimeout);
    }

    public String baseUrl() {
        return baseUrl;
    }

    public JsonNode ping() {
        return get("/rest/system/ping", Map.of());
    }

    /** e.g. "v1.19.2-ds1". */
    public String version() {
        return get("/rest/system/version", Map.of()).path("version").asText();
    }

    public String myId() {
        return get("/rest/system/status", Map.of()).path("myID").asText();
    }

    /** The "connections" object: device id to {connected, paused, address, clientVersion, ...}; includes this device. */
    public JsonNode connections() {
        return get("/rest/system/connections", Map.of()).path("connections");
    }

    /** True when this instance is connected to the device now. */
    public boolean connectedTo(String device) {
        return connections().path(device).path("connected").asBoolean(false);
    }

    /** Pauses a device: its connection drops at once. */
    public void pause(String device) {
        call("POST", "/rest/system/pause", Map.of("device", device), null);
    }

    /** Resumes a paused device; Syncthing dials it at once. */
    public void resume(String device) {
        call("POST", "/rest/system/resume", Map.of("device", device), null);
    }

    /** Scans only folder/sub; returns when the scan has finished. */
    public void scan(String folder, String sub) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("folder", folder);
        q.put("sub", sub);
        call("POST", "/rest/db/scan", q, null);
    }

    /** Scans the whole folder; returns when the scan has finished. */
    public void scan(String folder) {
        call("POST", "/rest/db/scan", Map.of("folder", folder), null);
    }

    /** completion, needItems, needBytes, globalItems, sequence: information only, never proof. */
    public JsonNode completion(String folder, String device) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("folder", folder);
        q.put("device", device);
        return get("/rest/db/completion", q);
    }

    /** The folder's state (idle, scanning, error, ...) on this device. */
    public JsonNode folderStatus(String folder) {
        return get("/rest/db/status", Map.of("folder", folder));
    }

    /** The folder's configuration (type, path, devices). */
    public JsonNode folderConfig(String folder) {
        return get("/rest/config/folders/" + encode(folder), Map.of());
    }

    /** db/file for one path, or null when Syncthing has no such file in its index (404). */
    public JsonNode file(String folder, String name) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("folder", folder);
        q.put("file", name);
        try {
            return get("/rest/db/file", q);
        } catch (SyncthingException e) {
            if (e.kind() == SyncthingException.Kind.NOT_FOUND && e.getMessage().contains("No such object")) {
                return null;
            }
            throw e;
        }
    }

    /** Adds (or replaces) a device in the configuration; the body is the device object of /rest/config/devices. */
    public void addDevice(Object device) {
        call("POST", "/rest/config/devices", Map.of(), device);
    }

    /** Adds (or replaces) a folder in the configuration; the body is the folder object of /rest/config/folders. */
    public void addFolder(Object folder) {
        call("POST", "/rest/config/folders", Map.of(), folder);
    }

    /** Changes only the given options (PATCH /rest/config/options). */
    public void patchOptions(Map<String, ?> options) {
        call("PATCH", "/rest/config/options", Map.of(), options);
    }

    public JsonNode get(String path, Map<String, String> query) {
        return json(call("GET", path, query, null));
    }

    /**
     * One call; {@code body} is anything Jackson writes (a Map, a JsonNode) or null. Returns the answer's
     * text, trimmed.
     */
    public String call(String method, String path, Map<String, String> query, Object body) {
        String q = query.entrySet().stream().map(e -> e.getKey() + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        String json;
        try {
            json = body == null ? null : JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write the request for " + path + " as JSON", e);
        }
        return send(method, q.isEmpty() ? path : path + "?" + q, json);
    }

    /** One call with the path's query already encoded and the body already JSON (or null). */
    public String send(String method, String pathAndQuery, String jsonBody) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        Exchange answer = template().request(endpoint, e -> {
            e.getIn().setHeader(Exchange.HTTP_METHOD, method);
            e.getIn().setHeader(Exchange.HTTP_PATH, path);
            if (q >= 0) {
                e.getIn().setHeader(Exchange.HTTP_RAW_QUERY, pathAndQuery.substring(q + 1));
            }
            e.getIn().setHeader("X-API-Key", apiKey);
            if (jsonBody != null) {
                e.getIn().setHeader(Exchange.CONTENT_TYPE, "application/json");
            }
            e.getIn().setBody(jsonBody);
        });
        Exception failed = answer.getException();
        if (failed != null) {
            if (interrupted(failed)) {
                Thread.currentThread().interrupt();
                throw new SyncthingException(SyncthingException.Kind.UNREACHABLE, 0,
                        "the call to Syncthing at " + baseUrl + " was interrupted", failed);
            }
            throw new SyncthingException(SyncthingException.Kind.UNREACHABLE, 0,
                    "Syncthing is not reachable at " + baseUrl + " (" + why(failed) + "); is it running?", failed);
        }
        int status = answer.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        String text = answer.getMessage().getBody(String.class);
        text = text == null ? "" : text.trim();
        if (status >= 200 && status < 300) {
            return text;
        }
        throw failure(method + " " + path, status, text);
    }

    /** Stops this client's producers, and its context when it has one of its own. */
    @Override
    public synchronized void close() {
        if (template != null) {
            ServiceHelper.stopService(template);
            template = null;
        }
        if (ownsContext) {
            camel.stop();
        }
    }

    // created on first use: the application binds this client before its context has started
    private synchronized ProducerTemplate template() {
        if (template == null) {
            template = camel.createProducerTemplate();
        }
        return template;
    }

    private SyncthingException failure(String what, int status, String body) {
        if (body.contains("no such folder")) { // 404 from db/completion, 500 from db/scan in 1.19.2
            return new SyncthingException(SyncthingException.Kind.NOT_FOUND, status, what + ": no such folder (HTTP " + status + ")", null);
        }
        return switch (status) {
            case 401, 403 -> new SyncthingException(SyncthingException.Kind.FORBIDDEN, status,
                    "Syncthing at " + baseUrl + " refused the API key (HTTP " + status
                            + "); check pipeline.target.pixel.api-key against the GUI's Settings > API Key", null);
            case 404 -> new SyncthingException(SyncthingException.Kind.NOT_FOUND, status,
                    what + ": " + (body.isEmpty() ? "not found" : body) + " (HTTP 404)", null);
            case 400 -> new SyncthingException(SyncthingException.Kind.BAD_REQUEST, status,
                    what + ": " + body + " (HTTP 400)", null);
            default -> new SyncthingException(SyncthingException.Kind.FAILED, status,
                    what + ": HTTP " + status + (body.isEmpty() ? "" : " " + body), null);
        };
    }

    /** The timeouts in words; anything else (a refused connection, say) as its innermost message. */
    private String why(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectTimeoutException) {
                return "no connection within " + connectTimeout.toSeconds() + " s";
            }
            if (t instanceof SocketTimeoutException) {
                return "no answer within " + readTimeout.toSeconds() + " s";
            }
        }
        return RootCause.message(e);
    }

    private static boolean interrupted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InterruptedException || (t instanceof InterruptedIOException
                    && !(t instanceof SocketTimeoutException) && !(t instanceof ConnectTimeoutException))) {
                return true;
            }
        }
        return false;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static JsonNode json(String body) {
        try {
            return JSON.readTree(body.isEmpty() ? "null" : body);
        } catch (JsonProcessingException e) {
            throw new SyncthingException(SyncthingException.Kind.FAILED, 200, "Syncthing answered with something that is not JSON", e);
        }
    }
}
