package io.mediapipeline.icloud.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mediapipeline.icloud.web.IcloudWebException.Kind;
import io.mediapipeline.icloud.web.PhotosWeb.Asset;
import io.mediapipeline.icloud.web.PhotosWeb.Master;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/** CloudKit's JSON for the Photos records: the request bodies and the CPLAsset / CPLMaster fields read back. */
final class CloudKitRecords {

    static final String ZONE = "PrimarySync";
    static final List<String> ASSET_KEYS = List.of("masterRef", "assetDate", "addedDate", "isDeleted", "isExpunged",
            "timeZoneOffset");
    static final List<String> MASTER_KEYS = List.of("filenameEnc", "resOriginalRes", "resOriginalFileType",
            "resOriginalFingerprint");
    /** Assets with their masters by asset date; the assetDate range filter on it is this client's assumption. */
    static final String BY_ASSET_DATE = "CPLAssetAndMasterByAssetDateWithoutHiddenOrDeleted";

    private CloudKitRecords() {
    }

    static ObjectNode lookupBody(ObjectMapper json, String recordName, List<String> keys) {
        ObjectNode body = json.createObjectNode();
        body.putArray("records").addObject().put("recordName", recordName);
        keys.forEach(body.putArray("desiredKeys")::add);
        body.putObject("zoneID").put("zoneName", ZONE);
        return body;
    }

    static ObjectNode queryBody(ObjectMapper json, Instant from, Instant to, String continuation) {
        ObjectNode body = json.createObjectNode();
        ObjectNode query = body.putObject("query").put("recordType", BY_ASSET_DATE);
        ArrayNode filters = query.putArray("filterBy");
        filters.addObject().put("fieldName", "assetDate").put("comparator", "GREATER_THAN_OR_EQUALS")
                .putObject("fieldValue").put("type", "TIMESTAMP").put("value", from.toEpochMilli());
        filters.addObject().put("fieldName", "assetDate").put("comparator", "LESS_THAN")
                .putObject("fieldValue").put("type", "TIMESTAMP").put("value", to.toEpochMilli());
        body.putObject("zoneID").put("zoneName", ZONE);
        body.put("resultsLimit", 200);
        ArrayNode keys = body.putArray("desiredKeys");
        ASSET_KEYS.forEach(keys::add);
        MASTER_KEYS.forEach(keys::add);
        if (continuation != null) {
            body.put("continuationMarker", continuation);
        }
        return body;
    }

    static ObjectNode deleteBody(ObjectMapper json, String assetRecordName, String changeTag) {
        ObjectNode body = json.createObjectNode().put("atomic", true);
        body.putArray("desiredKeys").add("isDeleted");
        ObjectNode record = body.putArray("operations").addObject().put("operationType", "update").putObject("record");
        record.put("recordName", assetRecordName).put("recordType", "CPLAsset").put("recordChangeTag", changeTag);
        record.putObject("fields").putObject("isDeleted").put("value", 1);
        body.putObject("zoneID").put("zoneName", ZONE);
        return body;
    }

    static String type(JsonNode record) {
        return record.path("recordType").asText("");
    }

    static Asset asset(JsonNode record) throws IcloudWebException {
        if (!type(record).equals("CPLAsset")) {
            throw new IcloudWebException(Kind.REJECTED, 200, "records: expected a CPLAsset, got '" + type(record) + "'");
        }
        JsonNode f = record.path("fields");
        JsonNode date = f.path("assetDate").path("value");
        return new Asset(record.path("recordName").asText(), text(f.path("masterRef").path("value").path("recordName")),
                f.path("isDeleted").path("value").asInt() == 1, f.path("isExpunged").path("value").asInt() == 1,
                text(record.path("recordChangeTag")), date.isNumber() ? Instant.ofEpochMilli(date.asLong()) : null);
    }

    static Master master(JsonNode record) throws IcloudWebException {
        if (!type(record).equals("CPLMaster")) {
            throw new IcloudWebException(Kind.REJECTED, 200, "records: expected a CPLMaster, got '" + type(record) + "'");
        }
        JsonNode f = record.path("fields");
        JsonNode res = f.path("resOriginalRes").path("value");
        return new Master(record.path("recordName").asText(), fileName(text(f.path("filenameEnc").path("value"))),
                res.path("size").asLong(-1), text(res.path("fileChecksum")),
                text(f.path("resOriginalFileType").path("value")), text(res.path("downloadURL")));
    }

    /** filenameEnc is the name's UTF-8 bytes in base64. */
    private static String fileName(String encoded) {
        if (encoded == null) {
            return null;
        }
        try {
            return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return encoded;
        }
    }

    private static String text(JsonNode node) {
        return node.isMissingNode() || node.isNull() ? null : node.asText();
    }
}
