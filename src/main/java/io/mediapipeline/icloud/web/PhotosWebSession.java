package io.mediapipeline.icloud.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mediapipeline.icloud.web.IcloudWebException.Kind;
import io.mediapipeline.media.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/** One signed-in account's photosupload and CloudKit calls. Thread-safe; holds no state beyond the session. */
final class PhotosWebSession implements PhotosWeb {

    /** The slowest transfer still worth waiting for: a send or download gets its size at this rate on top. */
    private static final long SLOWEST_BYTES_PER_SECOND = 256 * 1024;
    private static final String DATABASE = "/database/1/com.apple.photos.cloud/production/private/";

    private final WebTransport transport;
    private final Services services;
    private final Map<String, String> params;
    private final ObjectMapper json;

    PhotosWebSession(WebTransport transport, Services services, Map<String, String> baseParams, ObjectMapper json) {
        this.transport = transport;
        this.services = services;
        this.params = Map.copyOf(baseParams);
        this.json = json;
    }

    @Override
    public Services services() {
        return services;
    }

    @Override
    public Reservation reserve(long size) throws IcloudWebException {
        String clientId = UUID.randomUUID().toString();
        ObjectNode body = json.createObjectNode().put("zoneName", CloudKitRecords.ZONE);
        body.putObject("assets").put(clientId, size);
        JsonNode answer = transport.post("createUploadUrl", upload("createUploadUrl"), body);
        String url = answer.path("uploadUrls").path(clientId).asText("");
        if (!url.startsWith("https://") && !url.startsWith("http://")) {
            throw new IcloudWebException(Kind.REJECTED, 200, "createUploadUrl: no upload URL for the reserved file");
        }
        return new Reservation(clientId, url, size);
    }

    @Override
    public Receipt send(Reservation reservation, Path file) throws IcloudWebException, IOException {
        long size = Files.size(file);
        if (size != reservation.size()) {
            throw new IcloudWebException(Kind.REJECTED, 0, "upload: " + file.getFileName() + " has " + size
                    + " bytes, the reservation was for " + reservation.size());
        }
        AtomicReference<HashingInputStream> sent = new AtomicReference<>();
        HttpRequest.Builder request = HttpRequest.newBuilder(signedUri("upload", reservation.url()))
                .timeout(transferTimeout(size)).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
                    try {
                        HashingInputStream in = new HashingInputStream(Files.newInputStream(file));
                        sent.set(in); // a 421 retry opens the file again: the last stream is what went out
                        return in;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }), size));
        HttpResponse<String> response;
        try {
            response = transport.signed("upload", request, HttpResponse.BodyHandlers.ofString());
        } catch (IcloudWebException e) {
            // the client reports a file it could not read as a network error: that is the file's failure, not iCloud's
            if (e.unreachable() && !Files.isReadable(file)) {
                throw new IOException("upload: cannot read " + file.getFileName() + " while sending it", e);
            }
            throw e;
        } finally {
            if (sent.get() != null) {
                sent.get().close();
            }
        }
        HashingInputStream in = sent.get();
        IcloudWebException failure = transport.classify("upload", response.statusCode(), response.headers(),
                response.body(), false);
        if (failure != null) {
            throw failure;
        }
        JsonNode single = transport.parse("upload", response.statusCode(), response.body()).path("singleFile");
        long sentSize = in == null ? 0 : in.count();
        String checksum = single.path("fileChecksum").asText("");
        long stored = single.path("size").asLong(-1);
        if (sentSize != size) {
            throw new IcloudWebException(Kind.REJECTED, 200, "upload: " + sentSize + " bytes of " + file.getFileName()
                    + " were sent, the file has " + size + " (changed while sending?)");
        }
        if (stored != sentSize || checksum.isEmpty() || single.path("receipt").asText("").isEmpty()) {
            throw new IcloudWebException(Kind.REJECTED, 200, "upload: iCloud's receipt for " + file.getFileName()
                    + " does not match what was sent (size " + stored + " of " + sentSize + ", checksum "
                    + (checksum.isEmpty() ? "missing" : "present") + ")");
        }
        return new Receipt(json.writeValueAsString(single), checksum, stored, in.sha256Hex(), sentSize);
    }

    @Override
    public Registration register(Receipt receipt, String fileName, Instant capturedAt, ZoneOffset offset,
                                 ZoneId localZone) throws IcloudWebException {
        if (!ZoneId.getAvailableZoneIds().contains(localZone.getId())) {
            // the service files the asset under this id: a bare offset like "+02:00" is not one it knows
            throw new IllegalArgumentException("putAsset: the local time zone must be a region like Europe/Berlin, not "
                    + localZone.getId());
        }
        ObjectNode body = json.createObjectNode().put("zoneName", CloudKitRecords.ZONE);
        ObjectNode file = body.putArray("files").addObject().put("fileName", fileName)
                .put("lastModDate", capturedAt.toEpochMilli())
                // JavaScript's getTimezoneOffset sign: UTC+2 is -120
                .put("timeZoneOffset", -offset.getTotalSeconds() / 60);
        try {
            file.set("singleFileUploadRequest", json.readTree(receipt.json()));
        } catch (IOException e) {
            throw new IcloudWebException(Kind.REJECTED, 0, "putAsset: the upload receipt of " + fileName + " is not JSON");
        }
        body.put("localTimeZoneId", localZone.getId()).put("importGroup", UUID.randomUUID().toString());
        JsonNode item = transport.post("putAsset", upload("putAsset"), body).path(0);
        JsonNode response = item.path("response");
        int status = response.path("status").asInt(0);
        String asset = item.path("cplAsset").asText("");
        String master = item.path("cplMaster").asText("");
        if (status == 409 && !asset.isEmpty() && !master.isEmpty()) {
            return new Registration(asset, master, null, true);
        }
        if (status >= 400 || status == 0) {
            String reason = "putAsset: " + fileName + " refused (status " + status + ", "
                    + response.path("errorMessage").asText("no reason given") + ")";
            throw new IcloudWebException(response.path("isRetryable").asBoolean(false) ? Kind.RETRYABLE : Kind.REJECTED,
                    status, reason);
        }
        if (asset.isEmpty() || master.isEmpty()) {
            throw new IcloudWebException(Kind.REJECTED, status, "putAsset: " + fileName + " accepted without record names");
        }
        return new Registration(asset, master, item.path("uploadJobId").asText(null), false);
    }

    @Override
    public Optional<Integer> progress(String uploadJobId) throws IcloudWebException {
        ObjectNode body = json.createObjectNode();
        body.putArray("uploadJobIds").add(uploadJobId);
        JsonNode progress = transport.post("uploadStatus", upload("uploadStatus"), body).path(uploadJobId).path("progress");
        return progress.isNumber() ? Optional.of(progress.asInt()) : Optional.empty();
    }

    /**
     * The asset, then its master. A master answering NOT_FOUND gives {@code Found(asset, null)}: CloudKit indexes
     * the two apart, so that is "not yet", for the caller to look again, never a mismatch.
     */
    @Override
    public Optional<Found> lookup(String assetRecordName) throws IcloudWebException {
        Optional<JsonNode> asset = lookupOne(assetRecordName, CloudKitRecords.ASSET_KEYS);
        if (asset.isEmpty()) {
            return Optional.empty();
        }
        Asset a = CloudKitRecords.asset(asset.get());
        Master m = null;
        if (a.masterRef() != null) {
            Optional<JsonNode> master = lookupOne(a.masterRef(), CloudKitRecords.MASTER_KEYS);
            m = master.isPresent() ? CloudKitRecords.master(master.get()) : null;
        }
        return Optional.of(new Found(a, m));
    }

    @Override
    public List<Found> assetsDated(Instant from, Instant to) throws IcloudWebException {
        List<Asset> assets = new ArrayList<>();
        Map<String, Master> masters = new HashMap<>();
        String continuation = null;
        do {
            JsonNode answer = transport.post("records/query", records("query"),
                    CloudKitRecords.queryBody(json, from, to, continuation));
            for (JsonNode r : answer.path("records")) {
                recordError("records/query", r);
                switch (CloudKitRecords.type(r)) {
                    case "CPLAsset" -> assets.add(CloudKitRecords.asset(r));
                    case "CPLMaster" -> masters.put(r.path("recordName").asText(), CloudKitRecords.master(r));
                    default -> { }
                }
            }
            continuation = answer.path("continuationMarker").asText(null);
        } while (continuation != null && !continuation.isEmpty());
        List<Found> found = new ArrayList<>();
        for (Asset a : assets) {
            // the range is checked here too: what is removed later must not rest on the index honouring a filter
            if (!a.deleted() && !a.expunged() && a.assetDate() != null && !a.assetDate().isBefore(from)
                    && a.assetDate().isBefore(to)) {
                found.add(new Found(a, masters.get(a.masterRef())));
            }
        }
        return found;
    }

    @Override
    public Asset markDeleted(String assetRecordName, String changeTag) throws IcloudWebException {
        JsonNode answer = transport.post("records/modify", records("modify"),
                CloudKitRecords.deleteBody(json, assetRecordName, changeTag));
        JsonNode record = answer.path("records").path(0);
        recordError("records/modify", record);
        Optional<JsonNode> readBack = lookupOne(assetRecordName, CloudKitRecords.ASSET_KEYS);
        return CloudKitRecords.asset(readBack.orElse(record));
    }

    @Override
    public String download(Master master, Path target) throws IcloudWebException, IOException {
        if (master.downloadUrl() == null || master.downloadUrl().isEmpty()) {
            throw new IcloudWebException(Kind.REJECTED, 0, "download: master " + master.recordName() + " has no download URL");
        }
        String name = URLEncoder.encode(master.fileName() == null ? "original" : master.fileName(), StandardCharsets.UTF_8)
                .replace("+", "%20");
        HttpRequest.Builder request = HttpRequest.newBuilder(signedUri("download", master.downloadUrl().replace("${f}", name)))
                .timeout(transferTimeout(Math.max(0, master.size()))).GET();
        HttpResponse<InputStream> response = transport.signed("download", request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            if (response.statusCode() < 200 || response.statusCode() >= 300) {
                String body = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
                throw transport.classify("download", response.statusCode(), response.headers(), body, false);
            }
            MessageDigest digest = Sha256.digest();
            try (OutputStream out = Files.newOutputStream(target)) {
                byte[] buf = new byte[1 << 16];
                for (int n = read("download", in, buf); n >= 0; n = read("download", in, buf)) {
                    digest.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        }
    }

    @Override
    public void close() {
        // HttpClient has no close on Java 17: its connections end when it is collected
    }

    @Override
    public String toString() {
        return "PhotosWeb[dsid " + services.dsid() + "]";
    }

    private static int read(String endpoint, InputStream in, byte[] buf) throws IcloudWebException {
        try {
            return in.read(buf);
        } catch (IOException e) {
            throw new IcloudWebException(Kind.RETRYABLE, 0, endpoint + ": connection lost (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** One record of records/lookup; empty on NOT_FOUND (normal while a new asset is indexed). */
    private Optional<JsonNode> lookupOne(String recordName, List<String> keys) throws IcloudWebException {
        JsonNode answer = transport.post("records/lookup", records("lookup"),
                CloudKitRecords.lookupBody(json, recordName, keys));
        for (JsonNode r : answer.path("records")) {
            if ("NOT_FOUND".equals(r.path("serverErrorCode").asText(null))) {
                return Optional.empty();
            }
            recordError("records/lookup", r);
            if (recordName.equals(r.path("recordName").asText())) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /** A per-record serverErrorCode: throttling is THROTTLED, a stale change tag or anything else REJECTED. */
    private void recordError(String endpoint, JsonNode record) throws IcloudWebException {
        String code = record.path("serverErrorCode").asText(null);
        if (code == null) {
            return;
        }
        if (WebTransport.isThrottle(code)) {
            throw new IcloudWebException(Kind.THROTTLED, 200, endpoint + ": " + code + ": iCloud asks to slow down");
        }
        if (code.startsWith("AUTHENTICATION_")) {
            throw new IcloudWebException(Kind.AUTH_EXPIRED, 200, endpoint + ": " + code + ": the session needs a new sign-in");
        }
        String what = code.equals("CONFLICT") ? ": the record changed since it was read; look it up again" : "";
        throw new IcloudWebException(Kind.REJECTED, 200, endpoint + ": " + code + " for " + record.path("recordName").asText()
                + what);
    }

    private URI upload(String call) {
        return WebTransport.uri(services.photosUploadUrl(), "/photosupload/" + call, params);
    }

    private URI records(String call) {
        Map<String, String> p = new LinkedHashMap<>(params);
        p.put("remapEnums", "true");
        p.put("getCurrentSyncToken", "true");
        return WebTransport.uri(services.ckDatabaseUrl(), DATABASE + "records/" + call, p);
    }

    private static URI signedUri(String endpoint, String url) throws IcloudWebException {
        try {
            return URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IcloudWebException(Kind.REJECTED, 0, endpoint + ": the service gave a URL that is not valid");
        }
    }

    private Duration transferTimeout(long size) {
        return transport.timeout().plusSeconds(size / SLOWEST_BYTES_PER_SECOND);
    }
}
