package io.mediapipeline.icloud.web;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/**
 * One signed-in account's view of iCloud Photos' web services: the photosupload protocol that icloud.com's own
 * uploader speaks (reserve, send, register, status) and the CloudKit records service that proves, finds and
 * removes assets. Every call either returns what the service answered or throws {@link IcloudWebException}
 * saying what kind of failure it was; nothing here retries for ever or decides what a failure means for a file.
 */
public interface PhotosWeb extends AutoCloseable {

    /** What accountLogin gave for this session. */
    Services services();

    /** Step 1, createUploadUrl: a slot for {@code size} bytes under a fresh client id. */
    Reservation reserve(long size) throws IcloudWebException;

    /**
     * Step 2: streams the file (never whole in memory) to the reserved URL, hashing it as it goes. The receipt
     * says what the service stored; {@code sha256} and {@code size} are what was actually read and sent.
     */
    Receipt send(Reservation reservation, Path file) throws IcloudWebException, IOException;

    /**
     * Step 3, putAsset: registers the sent bytes as an asset named {@code fileName}, dated {@code capturedAt} at the
     * file's own UTC {@code offset}, in the household's IANA zone {@code localZone}. A 409 "duplicate asset" answer is returned as a registration with {@code duplicate} set and the
     * existing asset's record names, not thrown.
     */
    Registration register(Receipt receipt, String fileName, Instant capturedAt, ZoneOffset offset, ZoneId localZone)
            throws IcloudWebException;

    /** Step 4, uploadStatus: progress 0..100 of a registered job, or empty when the service does not know it. */
    Optional<Integer> progress(String uploadJobId) throws IcloudWebException;

    /**
     * records/lookup of an asset and, when it exists, the master it points to. Empty while CloudKit answers
     * NOT_FOUND (normal for ~15-20 s after registration).
     */
    Optional<Found> lookup(String assetRecordName) throws IcloudWebException;

    /** records/query: the assets (with their masters) whose asset date lies in [from, to), not deleted ones. */
    List<Found> assetsDated(Instant from, Instant to) throws IcloudWebException;

    /**
     * records/modify: marks the asset deleted (the owner's "Recently Deleted", recoverable for 30 days) if its
     * change tag is still {@code changeTag}; returns the asset as the service now has it.
     */
    Asset markDeleted(String assetRecordName, String changeTag) throws IcloudWebException;

    /** Downloads the master's original to {@code target} (a temp name the caller owns) and returns its sha256. */
    String download(Master master, Path target) throws IcloudWebException, IOException;

    @Override
    void close();

    /** The account's web services: where to upload, where CloudKit is, and whether the account needs PCS (ADP). */
    record Services(String dsid, String photosUploadUrl, String ckDatabaseUrl, boolean pcsRequired) {
    }

    /** createUploadUrl's answer: the client id chosen for the file and the URL its bytes go to (carries a token). */
    record Reservation(String clientId, String url, long size) {

        @Override
        public String toString() {
            return "Reservation[" + clientId + ", " + size + " bytes]"; // never the URL's token
        }
    }

    /**
     * The upload receipt ("singleFile"): {@code json} is the service's object verbatim (putAsset wants it back as
     * sent); {@code sha256} and {@code sentSize} are what this side streamed.
     */
    record Receipt(String json, String fileChecksum, long size, String sha256, long sentSize) {

        @Override
        public String toString() {
            return "Receipt[" + fileChecksum + ", " + size + " bytes]"; // the receipt token stays out of logs
        }
    }

    /** putAsset's answer for one file. {@code uploadJobId} is null for a duplicate. */
    record Registration(String assetRecordName, String masterRecordName, String uploadJobId, boolean duplicate) {
    }

    /** A CPLAsset as CloudKit returns it. */
    record Asset(String recordName, String masterRef, boolean deleted, boolean expunged, String changeTag,
                 Instant assetDate) {
    }

    /** A CPLMaster's original resource. {@code downloadUrl} may carry a token: never log it. */
    record Master(String recordName, String fileName, long size, String fileChecksum, String fileType,
                  String downloadUrl) {

        @Override
        public String toString() {
            return "Master[" + recordName + ", " + fileName + ", " + size + " bytes, " + fileChecksum + "]";
        }
    }

    /** An asset and its master (null when the master was not returned). */
    record Found(Asset asset, Master master) {
    }
}
