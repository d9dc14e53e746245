package io.mediapipeline.icloud.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.icloud.web.IcloudWebException.Kind;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * HTTP to iCloud's web services for one session, and what each answer means. Service calls carry the session's
 * cookies; the signed upload and download URLs carry their own token and get none. Errors name the endpoint and
 * the status, never a URL (its query holds tokens) nor a cookie.
 */
final class WebTransport {

    static final String ORIGIN = "https://www.icloud.com";
    private static final String USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko)";
    /** CloudKit error codes that mean "slow down", not "this request is wrong". */
    private static final Set<String> THROTTLE_CODES = Set.of("ACCESS_DENIED", "THROTTLED", "REQUEST_RATE_LIMITED",
            "ZONE_BUSY", "TRY_AGAIN_LATER");

    /** How setup's answers word a session it no longer accepts (pyicloud and icloudpd react to the same). */
    private static final List<String> SESSION_REFUSALS = List.of("missing apple_id field", "invalid global session",
            "missing x-apple-webauth-token", "authentication required");

    private final Duration timeout;
    private final ObjectMapper json;
    private final SessionState session;
    private volatile HttpClient client;

    WebTransport(Duration timeout, ObjectMapper json, SessionState session) {
        this.timeout = timeout;
        this.json = json;
        this.session = session;
        this.client = newClient();
    }

    Duration timeout() {
        return timeout;
    }

    /** POSTs a JSON body to a session service and returns the JSON answer, or throws what the answer means. */
    JsonNode post(String endpoint, URI uri, Object body) throws IcloudWebException {
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(uri).timeout(timeout).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
        } catch (IOException e) {
            throw new IcloudWebException(Kind.REJECTED, 0, endpoint + ": cannot write the request: " + e.getMessage());
        }
        HttpResponse<String> response = exchange(endpoint, request, HttpResponse.BodyHandlers.ofString(), true);
        IcloudWebException failure = classify(endpoint, response.statusCode(), response.headers(), response.body(), true);
        if (failure != null) {
            throw failure;
        }
        return parse(endpoint, response.statusCode(), response.body());
    }

    /** Sends a request to a signed URL (no cookies), handling 421 like every call. */
    <T> HttpResponse<T> signed(String endpoint, HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler)
            throws IcloudWebException {
        return exchange(endpoint, request, handler, false);
    }

    JsonNode parse(String endpoint, int status, String body) throws IcloudWebException {
        try {
            JsonNode node = json.readTree(body == null ? "" : body);
            if (node == null || node.isMissingNode()) {
                throw new IOException("empty");
            }
            return node;
        } catch (IOException e) {
            throw new IcloudWebException(Kind.REJECTED, status, endpoint + ": the answer is not JSON");
        }
    }

    /** The whole call: 421 is connection routing first, so the connections are reset and the call made once more. */
    private <T> HttpResponse<T> exchange(String endpoint, HttpRequest.Builder builder, HttpResponse.BodyHandler<T> handler,
                                         boolean withSession) throws IcloudWebException {
        builder.setHeader("Origin", ORIGIN).setHeader("Referer", ORIGIN + "/").setHeader("User-Agent", USER_AGENT);
        for (int attempt = 0; ; attempt++) {
            HttpRequest request = builder.build();
            if (withSession) {
                String cookies = session.cookieHeader(request.uri());
                if (!cookies.isEmpty()) {
                    request = builder.setHeader("Cookie", cookies).build();
                }
            }
            HttpResponse<T> response = send(endpoint, request, handler);
            if (withSession) {
                session.absorb(response.headers(), request.uri().getHost());
            }
            if (response.statusCode() != 421) {
                return response;
            }
            discard(response);
            if (attempt > 0 && !withSession) {
                // a signed URL carries its own token and no session: a new sign-in would not change its answer
                throw new IcloudWebException(Kind.RETRYABLE, 421, endpoint + ": HTTP 421 again after a connection reset");
            }
            if (attempt > 0) {
                throw new IcloudWebException(Kind.AUTH_EXPIRED, 421,
                        endpoint + ": HTTP 421 again after a connection reset: the session needs a new sign-in");
            }
            client = newClient();
        }
    }

    private <T> HttpResponse<T> send(String endpoint, HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IcloudWebException {
        try {
            return client.send(request, handler);
        } catch (HttpTimeoutException e) {
            throw new IcloudWebException(Kind.RETRYABLE, 0, endpoint + ": no answer within " + request.timeout()
                    .map(Duration::toSeconds).orElse(timeout.toSeconds()) + "s");
        } catch (IOException e) {
            // the exception's own message may quote the request: only its kind is reported
            throw IcloudWebException.unreachable(endpoint + ": network error (" + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IcloudWebException(Kind.RETRYABLE, 0, endpoint + ": interrupted");
        }
    }

    /**
     * What a non-success answer means, or null for a success. {@code withSession}: 401/403 on a session call mean
     * the session is gone; on a signed URL they only mean that URL's token is (reserve or look up again).
     */
    IcloudWebException classify(String endpoint, int status, HttpHeaders headers, String body, boolean withSession) {
        String code = serverErrorCode(body);
        Duration retryAfter = retryAfter(headers);
        String what = endpoint + ": HTTP " + status + (code == null ? "" : " " + code);
        if (code != null && THROTTLE_CODES.contains(code)) {
            return new IcloudWebException(Kind.THROTTLED, status, what + ": iCloud asks to slow down", retryAfter);
        }
        if (status >= 200 && status < 300) {
            return null;
        }
        if (status == 429 || status == 503) {
            return new IcloudWebException(Kind.THROTTLED, status, what + ": iCloud asks to slow down", retryAfter);
        }
        if (withSession && (status == 401 || status == 403 || status == 450 || status >= 400 && status < 500
                && sessionRefused(body, code))) {
            return new IcloudWebException(Kind.AUTH_EXPIRED, status, what + ": the session needs a new sign-in");
        }
        if (!withSession && (status == 401 || status == 403 || status == 410)) {
            return new IcloudWebException(Kind.RETRYABLE, status, what + ": the signed URL was refused (expired?)");
        }
        if (status >= 500) {
            return new IcloudWebException(Kind.RETRYABLE, status, what, retryAfter);
        }
        return new IcloudWebException(Kind.REJECTED, status, what);
    }

    /**
     * Whether an error answer says the session itself is not accepted (the words setup and CloudKit use for a
     * missing or dead web session), as opposed to a request the service did not like.
     */
    private static boolean sessionRefused(String body, String code) {
        if (code != null && code.startsWith("AUTHENTICATION_")) {
            return true;
        }
        String b = body == null ? "" : body.toLowerCase(Locale.ROOT);
        return SESSION_REFUSALS.stream().anyMatch(b::contains);
    }

    static boolean isThrottle(String serverErrorCode) {
        return THROTTLE_CODES.contains(serverErrorCode);
    }

    /** The base query parameters every service call carries, plus the call's own. */
    static URI uri(String base, String path, Map<String, String> params) {
        String query = params.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return URI.create(base + path + (query.isEmpty() ? "" : "?" + query));
    }

    private String serverErrorCode(String body) {
        if (body == null || body.isBlank() || body.charAt(0) != '{') {
            return null;
        }
        try {
            JsonNode node = json.readTree(body);
            String code = node.path("serverErrorCode").asText(null);
            return code != null ? code : node.path("errorCode").isTextual() ? node.path("errorCode").asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static Duration retryAfter(HttpHeaders headers) {
        String v = headers.firstValue("Retry-After").orElse(null);
        if (v == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v.trim())));
        } catch (NumberFormatException e) {
            try {
                Duration d = Duration.between(Instant.now(), ZonedDateTime.parse(v.trim(),
                        DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException ignored) {
                return null;
            }
        }
    }

    private static void discard(HttpResponse<?> response) {
        if (response.body() instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // an unread error body: nothing to keep
            }
        }
    }

    private HttpClient newClient() {
        return HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public String toString() {
        return "WebTransport[" + session + "]";
    }
}
