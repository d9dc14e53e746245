package io.mediapipeline.pixel;

import com.fasterxml.jackson.databind.JsonNode;
import io.mediapipeline.syncthing.SyncthingClient;
import io.mediapipeline.syncthing.SyncthingException;
import java.time.Duration;

/**
 * Whether the phone's own copy of the Pixel folder survives the removal of the bridge copies: asked of the phone's
 * Syncthing (pipeline.target.pixel.phone.url), whose folder must be Receive Only and ignore deletes. Otherwise a
 * bridge copy removed on the server is a delete Syncthing carries to the phone. Cleanup (through {@link PixelProof})
 * and `doctor` both ask here.
 */
public final class PhoneFolder {

    /** The phone may be on a slow Wi-Fi; the answer is small. */
    static final Duration CONNECT = Duration.ofSeconds(5);
    static final Duration READ = Duration.ofSeconds(15);

    public enum Kind {
        /** Receive Only and Ignore Delete: removing the bridge copies leaves the phone's. */
        SAFE,
        /** The folder's settings would carry the removal to the phone. */
        UNSAFE,
        /** The phone could not be asked now. */
        UNKNOWN
    }

    /** The answer and, unless SAFE, why (and what to do), in words for the operator. */
    public record Answer(Kind kind, String detail) {
    }

    private PhoneFolder() {
    }

    /** Asks the phone's Syncthing over its own client (with its own key, sent only in the header). */
    public static Answer check(PixelConfig config) {
        PixelConfig.Syncthing phone = config.phone();
        try (SyncthingClient client = SyncthingClient.standalone(phone.url(), phone.apiKey(), CONNECT, READ)) {
            return check(client, config.proof().folderId());
        }
    }

    /** Reads GET /rest/config/folders/&lt;folder&gt; on the phone. */
    public static Answer check(SyncthingClient phone, String folder) {
        JsonNode config;
        try {
            config = phone.folderConfig(folder);
        } catch (SyncthingException e) {
            String why = switch (e.kind()) {
                case FORBIDDEN -> "the phone's Syncthing at " + phone.baseUrl() + " refused the API key"
                        + " (pipeline.target.pixel.phone.api-key)";
                case NOT_FOUND -> "the phone's Syncthing has no folder '" + folder + "' (pipeline.target.pixel.folder-id)";
                default -> e.getMessage();
            };
            return new Answer(Kind.UNKNOWN, "cannot check the phone's folder now: " + why);
        }
        String type = config.path("type").asText();
        boolean ignoreDelete = config.path("ignoreDelete").asBoolean(false);
        if (!ignoreDelete) {
            return new Answer(Kind.UNSAFE, "the phone's folder " + folder + " does not ignore deletes: removing the bridge"
                    + " copies would delete the phone's copies; set Ignore Delete in the folder's advanced settings on the phone");
        }
        if (!type.equals("receiveonly")) {
            return new Answer(Kind.UNSAFE, "the phone's folder " + folder + " is " + type + ", not Receive Only: changes"
                    + " on the phone could flow back; set Folder Type: Receive Only in the folder's settings on the phone");
        }
        return new Answer(Kind.SAFE, "the phone's folder " + folder + " is Receive Only and ignores deletes");
    }
}
