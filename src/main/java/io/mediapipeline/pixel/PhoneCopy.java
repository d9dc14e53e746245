package io.mediapipeline.pixel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.syncthing.SyncthingClient;
import java.util.function.IntConsumer;

/**
 * What the server's Syncthing knows of one staged file on the phone right now: the one reading both the confirmer
 * (staged -> confirmed) and the verify's re-check ({@link PixelProof}) rely on. The phone has the file only when it
 * is connected now and db/file lists it in the file's availability, not from a temporary copy, for the staged
 * version and size.
 */
record PhoneCopy(Kind kind, String detail, JsonNode entry, JsonNode global, String firstSeenVersion) {

    private static final ObjectMapper JSON = new ObjectMapper();

    enum Kind {
        /** Syncthing's index cannot tell (not indexed yet, deleted or invalid there, another version or size). */
        UNKNOWN,
        /** The index is the staged file's and the phone is not in its availability. */
        ABSENT,
        /** The phone has only a partial copy (fromTemporary). */
        PARTIAL,
        /** The phone has the staged version and size. */
        PRESENT
    }

    /** The connected phone's entry of /rest/system/connections, or {@link Unavailable} saying why it cannot be asked. */
    static JsonNode connectedPhone(SyncthingClient syncthing, String folder, String device, IntConsumer connectedGauge) {
        JsonNode status = syncthing.folderStatus(folder);
        if ("error".equals(status.path("state").asText()) || !status.path("error").asText("").isEmpty()) {
            throw new Unavailable(PixelConfirmer.FOLDER_ERROR, "Syncthing folder '" + folder + "' is in error: "
                    + status.path("error").asText("unknown"));
        }
        JsonNode phone = syncthing.connections().get(device);
        connectedGauge.accept(phone != null && phone.path("connected").asBoolean(false) ? 1 : 0);
        if (phone == null) {
            throw new Unavailable(PixelConfirmer.DEVICE_NOT_FOUND, "the phone's device " + shortId(device)
                    + " is not known to Syncthing at " + syncthing.baseUrl() + "; add it and share folder '" + folder
                    + "' with it (pipeline.target.pixel.device-id)");
        }
        if (!phone.path("connected").asBoolean(false)) {
            throw new Unavailable(PixelConfirmer.PHONE_OFFLINE, "the phone (" + shortId(device) + ") is not connected"
                    + (phone.path("paused").asBoolean() ? " (paused in Syncthing)" : ""));
        }
        return phone;
    }

    /**
     * Reads db/file for {@code rel} (batch/name in the folder). {@code stagedVersion} is the global version recorded
     * when the file was first indexed, or null: then the global version must be this server's own, and it is
     * returned as {@link #firstSeenVersion} for the caller to record.
     */
    static PhoneCopy look(SyncthingClient syncthing, String folder, String device, String rel, long size,
                          String stagedVersion) {
        JsonNode f = syncthing.file(folder, rel);
        if (f == null) {
            return new PhoneCopy(Kind.UNKNOWN, "not in Syncthing's index yet (scan pending)", null, null, null);
        }
        JsonNode global = f.path("global");
        String version = global.path("version").toString();
        if (global.path("deleted").asBoolean() || global.path("invalid").asBoolean() || global.path("ignored").asBoolean()) {
            return unknown("Syncthing's global entry is deleted, invalid or ignored", global);
        }
        if (global.path("size").asLong(-1) != size) {
            return unknown("global size " + global.path("size").asLong(-1) + " is not the staged size " + size, global);
        }
        String staged = stagedVersion;
        String firstSeen = null;
        if (staged == null) {
            // the first time the file is in the index, its global version must be this server's own
            if (!version.equals(f.path("local").path("version").toString())) {
                return unknown("global version is not this server's copy", global);
            }
            firstSeen = version;
            staged = version;
        }
        if (!sameJson(staged, version)) {
            return unknown("global version " + version + " is not the staged version " + staged, global);
        }
        JsonNode entry = null;
        for (JsonNode a : f.path("availability")) { // null when nobody connected has it
            if (device.equals(a.path("id").asText())) {
                entry = a;
            }
        }
        if (entry == null) {
            return new PhoneCopy(Kind.ABSENT, "not on the phone", null, global, firstSeen);
        }
        if (entry.path("fromTemporary").asBoolean(true)) {
            return new PhoneCopy(Kind.PARTIAL, "only a partial copy on the phone (fromTemporary)", entry, global, firstSeen);
        }
        return new PhoneCopy(Kind.PRESENT, null, entry, global, firstSeen);
    }

    private static PhoneCopy unknown(String detail, JsonNode global) {
        return new PhoneCopy(Kind.UNKNOWN, detail, null, global, null);
    }

    private static boolean sameJson(String a, String b) {
        try {
            return JSON.readTree(a).equals(JSON.readTree(b));
        } catch (Exception e) {
            return false;
        }
    }

    static String shortId(String id) {
        return id.length() > 7 ? id.substring(0, 7) : id;
    }

    /** A reason the phone cannot be asked now (the message is for the operator). */
    static final class Unavailable extends RuntimeException {
        final String kind;

        Unavailable(String kind, String message) {
            super(message, null, false, false);
            this.kind = kind;
        }
    }
}
