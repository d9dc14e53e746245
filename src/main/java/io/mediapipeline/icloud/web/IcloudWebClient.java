package io.mediapipeline.icloud.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * STUB standing in for the web client until it is on this branch (same constructor, same sign-in): it does only
 * accountLogin from the copied session's tokens and answers {@link PhotosWeb#services()}; every other call refuses.
 */
public final class IcloudWebClient implements PhotosWebLogin {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI setupUrl;
    private final Duration requestTimeout;

    public IcloudWebClient(URI setupUrl, Duration requestTimeout) {
        this.setupUrl = setupUrl;
        this.requestTimeout = requestTimeout;
    }

    @Override
    public PhotosWeb signIn(Path sessionDir, String username) throws IcloudWebException, IOException {
        JsonNode session = JSON.readTree(sessionDir.resolve(SessionCopy.fileName(username) + ".session").toFile());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("dsWebAuthToken", session.path("session_token").asText());
        body.put("trustToken", session.path("trust_token").asText());
        body.put("extended_login", true);
        body.put("accountCountryCode", session.path("account_country").asText());
        HttpClient http = HttpClient.newBuilder().connectTimeout(requestTimeout).build();
        JsonNode login = post(http, "accountLogin", JSON.writeValueAsString(body));
        JsonNode ws = login.path("webservices");
        boolean pcs = ws.path("photos").path("pcsRequired").asBoolean(false)
                || ws.path("ckdatabasews").path("pcsRequired").asBoolean(false);
        // accountLogin says pcsRequired for accounts without ADP too: the web app's own question decides
        if (pcs && post(http, "requestWebAccessState", "{}").path("isICDRSDisabled").asBoolean(true)) {
            throw new IcloudWebException(IcloudWebException.Kind.ADP_REQUIRED, 200, "Advanced Data Protection is on");
        }
        return new SignedIn(new PhotosWeb.Services(login.path("dsInfo").path("dsid").asText(null),
                ws.path("photosupload").path("url").asText(null), ws.path("ckdatabasews").path("url").asText(null), false));
    }

    private JsonNode post(HttpClient http, String call, String body) throws IcloudWebException, IOException {
        HttpResponse<String> r;
        try {
            r = http.send(HttpRequest.newBuilder(URI.create(setupUrl + "/" + call)).timeout(requestTimeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IcloudWebException(IcloudWebException.Kind.RETRYABLE, 0, call + " interrupted");
        } catch (IOException e) {
            throw new IcloudWebException(IcloudWebException.Kind.RETRYABLE, 0, call + ": " + e.getMessage());
        }
        int status = r.statusCode();
        if (List.of(401, 403, 421, 450).contains(status)) {
            throw new IcloudWebException(IcloudWebException.Kind.AUTH_EXPIRED, status, call + ": session not accepted");
        }
        if (status == 429 || status == 503) {
            Duration after = r.headers().firstValue("Retry-After").map(v -> Duration.ofSeconds(Long.parseLong(v.trim())))
                    .orElse(null);
            throw new IcloudWebException(IcloudWebException.Kind.THROTTLED, status, call + ": throttled", after);
        }
        if (status >= 300) {
            throw new IcloudWebException(status >= 500 ? IcloudWebException.Kind.RETRYABLE
                    : IcloudWebException.Kind.REJECTED, status, call + ": HTTP " + status);
        }
        return JSON.readTree(r.body());
    }

    /** Only what accountLogin gave; the protocol's calls are the real client's. */
    private record SignedIn(Services services) implements PhotosWeb {

        @Override
        public Reservation reserve(long size) {
            throw new UnsupportedOperationException("stub");
        }

        @Override
        public Receipt send(Reservation reservation, Path file) {
            throw new UnsupportedOperationException("stub");
        }

        @Override
        public Registration register(Receipt receipt, String fileName, java.time.Instant capturedAt, java.time.ZoneId zone) {
            throw new UnsupportedOperationException("stub");
        }

        @Override
        public Optional<Integer> progress(String uploadJobId) {
            throw new UnsupportedOperationException("stub");
        }

        @Override
        public Optional<Found> lookup(String assetRecordName) {
            throw new UnsupportedOperationException("stub");
        }

        @Override
        public List<Found> assetsDated(java.time.Instant from, java.time.Instant to) {
            throw new UnsupportedOperationException("stub");
        }

        @Override
        public Asset markDeleted(String assetRecordName, String changeTag) {
            throw new UnsupportedOperationException("stub");
        }

        @Override
        public String download(Master master, Path target) {
            throw new UnsupportedOperationException("stub");
        }

        @Override
        public void close() {
        }
    }
}
