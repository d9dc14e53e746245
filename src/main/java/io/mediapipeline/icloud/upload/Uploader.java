package io.mediapipeline.icloud.upload;

import com.fasterxml.jackson.databind.JsonNode;
import io.mediapipeline.flow.FileStore;
import io.mediapipeline.flow.GuardClosedException;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.icloud.IcloudAccounts;
import io.mediapipeline.icloud.upload.UploadLedger.Candidate;
import io.mediapipeline.icloud.web.IcloudWebException;
import io.mediapipeline.icloud.web.PhotosWeb;
import io.mediapipeline.icloud.web.PhotosWeb.Receipt;
import io.mediapipeline.icloud.web.PhotosWeb.Registration;
import io.mediapipeline.icloud.web.PhotosWeb.Reservation;
import io.mediapipeline.media.Hasher;
import io.mediapipeline.ops.Metrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one file up (routes/70-upload-icloud.camel.yaml, step upload-to-icloud): reserve, send, register, each
 * step written to the file's deliveries row before the next starts, so a crash resumes where it stopped: a
 * 'reserved' file is reserved and sent again (nothing was registered), a 'sent' one is registered again with the
 * stored receipt (the service answers "duplicate" with the same record names, not a second asset). The proof that
 * follows is {@link Prover}'s. A throttle, an expired session or a refused account stops the batch.
 */
public class Uploader {

    private static final Logger LOG = LoggerFactory.getLogger(Uploader.class);

    private final UploadConfig cfg;
    private final UploadLedger ledger;
    private final BatchPicker picker;
    private final WebSessions sessions;
    private final IcloudAccounts shared;
    private final RunContext run;
    private final Metrics metrics;
    private volatile long lastProgress = System.nanoTime();
    /** When uploads found iCloud unreachable, until a file registers again; null while it answers. */
    private volatile Instant unreachableSince;

    Uploader(UploadConfig cfg, UploadLedger ledger, BatchPicker picker, WebSessions sessions, IcloudAccounts shared,
             RunContext run, Metrics metrics) {
        this.cfg = cfg;
        this.ledger = ledger;
        this.picker = picker;
        this.sessions = sessions;
        this.shared = shared;
        this.run = run;
        this.metrics = metrics;
    }

    /** Step pick-icloud-batch: the next account's batch, or null when nothing may or needs to go up now. */
    public UploadBatch pickBatch() {
        return picker.pick();
    }

    /** Step upload-to-icloud: one file, or a Live Photo's halves one after the other. */
    public void upload(UploadBatch.Group group) {
        for (Candidate c : group.files()) {
            UploadBatch b = group.batch();
            if (b.stopped() != null) {
                return; // the rest stays pending for a later batch
            }
            // the row as it is now: a redelivery or a second batch must not act on a state already left
            Candidate now = ledger.candidate(c.id(), cfg.compressMaxFailures(), cfg.livePairWait());
            if (now != null) {
                uploadOne(b, now);
            }
            lastProgress = System.nanoTime();
        }
    }

    /** Step close-icloud-batch: the batch's outcome counts in the account's budget (and backs it off if throttled). */
    public void finishBatch(UploadBatch b) {
        UploadBatch.Stop stop = b.stopped();
        int ok = b.registered.get();
        int bad = b.failed.get();
        // success only when every file registered: files left for a retry are not a success either
        String outcome = stop != null ? stop.outcome() : ok == b.size() ? "success" : ok > 0 ? "partial" : "failed";
        String message = ok + " of " + b.size() + " file(s) registered, " + bad + " failed, "
                + (b.size() - ok - bad) + " left for a retry"
                + (stop != null ? "; stopped: " + stop.message() : "");
        if (stop != null && stop.outcome().equals("refused")) {
            picker.refuse(b.account(), stop.message());
        }
        shared.finishUpload(b.attemptId(), b.account(), outcome, ok, message);
        LOG.info("iCloud {}: upload batch {}: {}", b.account(), outcome, message);
        lastProgress = System.nanoTime();
    }

    private void uploadOne(UploadBatch b, Candidate c) {
        String account = b.account();
        String path = c.file();
        try {
            JsonNode evidence = Evidence.read(c.evidence());
            Receipt receipt = "sent".equals(c.state()) ? storedReceipt(evidence) : null;
            if (receipt == null) {
                receipt = send(b.web(), c, account, path, evidence);
                if (receipt == null) {
                    b.failed.incrementAndGet();
                    return;
                }
            }
            Registration reg;
            try {
                Instant at = capturedAt(c, path);
                reg = b.web().register(receipt, fileName(c, path), at, offset(c, at), cfg.zone());
            } catch (IcloudWebException e) {
                if (e.kind() != IcloudWebException.Kind.REJECTED || !"sent".equals(c.state())) {
                    throw e;
                }
                // a receipt kept over a crash may have expired; a registered one would have answered "duplicate"
                int attempts = ledger.sendAgain(c.id(), "stored receipt refused, sending again: " + e.getMessage());
                if (attempts >= cfg.maxAttempts()) {
                    b.failed.incrementAndGet();
                    fail(c, account, path, "gave up after " + attempts + " tries: " + e.getMessage());
                }
                return;
            }
            if (reg.assetRecordName() == null || reg.masterRecordName() == null) {
                b.failed.incrementAndGet();
                fail(c, account, path, "registration answered without the asset's record names; nothing to prove");
                return;
            }
            ledger.registered(c.id(), reg.assetRecordName(), reg.masterRecordName(),
                    Instant.now().plus(cfg.proof().pause(1)),
                    Evidence.of("uploadJobId", reg.uploadJobId()).with("duplicate", reg.duplicate()).at("registeredAt").json());
            b.registered.incrementAndGet();
            if (unreachableSince != null) {
                LOG.info("iCloud {}: iCloud answers again; uploads resumed (paused since {})", account, unreachableSince);
                unreachableSince = null;
            }
            metrics.increment("icloud-upload.registered");
            if (reg.duplicate()) {
                metrics.increment("icloud-upload.duplicate");
            }
        } catch (IcloudWebException e) {
            failure(b, c, path, e);
        } catch (IOException e) {
            if (GuardClosedException.explains(e)) {
                LOG.warn("iCloud {}: {} not sent now: {}; it keeps its state for a later batch", account, path, e.getMessage());
                return; // the NAS went away under the batch: a pause, not a try of the file
            }
            retry(b, c, path, "cannot read " + path + ": " + e.getMessage());
        }
    }

    /** Reserve and send; null when the file is missing or changed (then it is failed with the reason). */
    private Receipt send(PhotosWeb web, Candidate c, String account, String path, JsonNode evidence)
            throws IcloudWebException, IOException {
        Path file = Path.of(path);
        if (!Files.isRegularFile(file)) {
            FileStore.guard().require(); // missing because the NAS went away: a pause, not the file's failure
            fail(c, account, path, "the file to upload is missing: " + path);
            return null;
        }
        long size = Files.size(file);
        if (size != c.expectedSize()) {
            fail(c, account, path, path + " is " + size + " bytes, the ledger says " + c.expectedSize() + ": it changed");
            return null;
        }
        // a compressed copy's hash is not in media_files: the first reserve records it, so a later change shows
        String expected = c.knownSha256() != null ? c.knownSha256() : Evidence.text(evidence, "localSha256");
        if (expected == null) {
            expected = Hasher.sha256(file);
        }
        Reservation r = web.reserve(size);
        ledger.reserved(c.id(), account, path, run.runId(),
                Evidence.of("clientId", r.clientId()).with("localSha256", expected).at("reservedAt").json());
        Receipt rc = web.send(r, file);
        if (!rc.sha256().equals(expected) || rc.sentSize() != size) {
            fail(c, account, path, "the file changed: sent " + rc.sentSize() + " bytes with sha256 " + rc.sha256()
                    + ", the ledger says " + size + " bytes with sha256 " + expected);
            return null;
        }
        if (rc.size() != rc.sentSize()) {
            fail(c, account, path, "iCloud stored " + rc.size() + " bytes of the " + rc.sentSize() + " sent");
            return null;
        }
        ledger.sent(c.id(), rc.sha256(), rc.sentSize(), Evidence.of("receipt", Evidence.parse(rc.json()))
                .with("fileChecksum", rc.fileChecksum()).with("receiptSize", rc.size()).with("sentSha256", rc.sha256())
                .at("sentAt").json());
        return rc;
    }

    /** The receipt a 'sent' row kept, to register again after a crash; null if it is incomplete (then send again). */
    private static Receipt storedReceipt(JsonNode evidence) {
        JsonNode receipt = evidence.get("receipt");
        String checksum = Evidence.text(evidence, "fileChecksum");
        String sha = Evidence.text(evidence, "sentSha256");
        if (receipt == null || receipt.isNull() || checksum == null) {
            return null;
        }
        long size = evidence.path("receiptSize").asLong();
        return new Receipt(receipt.toString(), checksum, size, sha, size);
    }

    private void failure(UploadBatch b, Candidate c, String path, IcloudWebException e) {
        String account = b.account();
        switch (e.kind()) {
            case THROTTLED -> {
                b.stop("throttled", e.getMessage());
                metrics.increment("icloud-upload.throttled");
            }
            case AUTH_EXPIRED -> {
                // the batch's client is gone either way; the file keeps its state and resumes in the next batch
                if (sessions.renewed(account)) {
                    b.stop("failed", "the session copy had expired (signed in again with icloudpd's newer session): "
                            + e.getMessage());
                } else {
                    b.stop("auth-needed", e.getMessage());
                    metrics.increment("icloud-upload.auth-expired");
                }
            }
            case ADP_REQUIRED, UNAVAILABLE -> {
                b.stop("refused", e.getMessage()); // finishBatch remembers the refusal
                metrics.increment("icloud-upload.refused");
            }
            case RETRYABLE -> {
                if (e.unreachable()) {
                    // iCloud (or the way there) is down: the account waits, no file's try is spent on it
                    b.stop("failed", "iCloud cannot be reached: " + e.getMessage());
                    unreachable(account, e.getMessage());
                } else {
                    retry(b, c, path, e.getMessage());
                }
            }
            case REJECTED -> {
                b.failed.incrementAndGet();
                fail(c, account, path, "iCloud refused the file (HTTP " + e.status() + "): " + e.getMessage());
            }
        }
    }

    /** Said once per outage: the pause and what it means for the files. */
    private void unreachable(String account, String why) {
        if (unreachableSince == null) {
            unreachableSince = Instant.now();
            String m = "iCloud " + account + ": uploads paused: iCloud cannot be reached (" + why
                    + "); the files keep their state and go up once it answers";
            LOG.warn(m);
            ledger.log(run.runId(), "warn", m, null);
        }
    }

    private void retry(UploadBatch b, Candidate c, String path, String reason) {
        int attempts = ledger.retryLater(c.id(), b.account(), path, reason);
        metrics.increment("icloud-upload.retry");
        if (attempts >= cfg.maxAttempts()) {
            b.failed.incrementAndGet();
            fail(c, b.account(), path, "gave up after " + attempts + " tries: " + reason);
        }
    }

    private void fail(Candidate c, String account, String path, String reason) {
        ledger.failed(c.id(), account, path, reason, Evidence.of("failedAt", Instant.now().toString()).json());
        ledger.log(run.runId(), "warn", "iCloud " + account + ": " + c.originalName() + " not uploaded: " + reason, c.id());
        metrics.increment("icloud-upload.failed");
        LOG.warn("iCloud {}: {} not uploaded: {}", account, c.originalName(), reason);
    }

    /** The name the library shows: the original's name with the uploaded file's extension. */
    static String fileName(Candidate c, String path) {
        String name = Path.of(path).getFileName().toString();
        int dot = name.lastIndexOf('.');
        String ext = dot >= 0 ? name.substring(dot) : "";
        String original = c.originalName();
        int odot = original.lastIndexOf('.');
        return (odot > 0 ? original.substring(0, odot) : original) + ext;
    }

    private static Instant capturedAt(Candidate c, String path) throws IOException {
        return c.capturedAt() != null ? c.capturedAt().toInstant() : Files.getLastModifiedTime(Path.of(path)).toInstant();
    }

    /** The file's own UTC offset when the capture recorded one, else the household zone's at that instant. */
    private ZoneOffset offset(Candidate c, Instant at) {
        return c.offsetMinutes() != null ? ZoneOffset.ofTotalSeconds(c.offsetMinutes() * 60)
                : cfg.zone().getRules().getOffset(at);
    }

    /** When an upload last moved (for `once`'s wait). */
    long lastProgress() {
        return Math.max(lastProgress, picker.lastPick());
    }
}
