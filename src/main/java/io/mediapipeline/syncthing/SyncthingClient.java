package io.mediapipeline.syncthing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Syncthing's REST API over java.net.http, limited to what 1.19.2 (our Debian server) has: the key
 * travels only in the X-API-Key header (never in a URI, never logged), query values are encoded, bodies
 * are written by Jackson, and every non-2xx answer becomes a {@link SyncthingException} whose message says
 * what to fix. The timeouts belong to this client alone.
 */
public class SyncthingClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Short to connect; long to read, since a scan answers only when it has finished. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(120);

    private final HttpClient http;
    private final String baseUrl;
    private final String apiKey;
    private final Duration connectTimeout;
    private final Duration readTimeout;

    public SyncthingClient(String baseUrl, String apiKey) {
        this(baseUrl, apiKey, CONNECT_TIMEOUT, READ_TIMEOUT);
    }

    public SyncthingClient(String baseUrl, String apiKey, Duration connectTimeout, Duration readTimeout) {
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.apiKey = apiKey;
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        // HTTP/1.1: Syncthing's GUI server speaks nothing else over plain http
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout).build();
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
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery)).timeout(readTimeout)
                .header("X-API-Key", apiKey);
        if (jsonBody != null) {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(jsonBody));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SyncthingException(SyncthingException.Kind.UNREACHABLE, 0,
                    "Syncthing is not reachable at " + baseUrl + " (" + why(e) + "); is it running?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyncthingException(SyncthingException.Kind.UNREACHABLE, 0,
                    "the call to Syncthing at " + baseUrl + " was interrupted", e);
        }
        int status = response.statusCode();
        String text = response.body() == null ? "" : response.body().trim();
        if (status >= 200 && status < 300) {
            return text;
        }
        throw failure(method + " " + pathAndQuery.replaceFirst("\\?.*", ""), status, text);
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

    /** java.net.http leaves a refused connection without a message: say it in words. */
    private String why(IOException e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "no connection within " + connectTimeout.toSeconds() + " s";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer within " + readTimeout.toSeconds() + " s";
        }
        if (e instanceof ConnectException && e.getMessage() == null) {
            return "cannot connect";
        }
        return rootMessage(e);
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

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
