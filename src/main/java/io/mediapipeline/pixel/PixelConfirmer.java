package io.mediapipeline.pixel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ops.Metrics;
import io.mediapipeline.pixel.PhoneCopy.Unavailable;
import io.mediapipeline.syncthing.SyncthingClient;
import io.mediapipeline.syncthing.SyncthingException;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proof half of the Pixel target (routes/65-confirm-pixel.camel.yaml). A staged file becomes
 * confirmed only when, in one pass: the phone is connected now, Syncthing's db/file lists the phone in
 * the file's availability with fromTemporary false, and the file's global version and size are the
 * ones staged. Folder completion is recorded as context, never as proof (it reads 100 for a phone
 * that has announced nothing). Failures (Syncthing down, key refused, unknown folder or device,
 * folder in error, phone offline) confirm nothing, are logged once when they start and end, and
 * make the next pass wait longer (doubling up to a cap).
 */
public class PixelConfirmer {

    private static final Logger LOG = LoggerFactory.getLogger(PixelConfirmer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    // metric names (README, Operations)
    static final String FAILURES = "pixel.failures.";
    static final String UNREACHABLE = "unreachable";
    static final String FORBIDDEN = "forbidden";
    static final String FOLDER_NOT_FOUND = "folder-not-found";
    static final String DEVICE_NOT_FOUND = "device-not-found";
    static final String FOLDER_ERROR = "folder-error";
    static final String PHONE_OFFLINE = "phone-offline";
    static final String OTHER = "other";
    static final String STAGED = "pixel.staged";
    static final String CONFIRMED = "pixel.confirmed";
    static final String OUTSTANDING_FILES = "pixel.outstanding.files";
    static final String OUTSTANDING_BYTES = "pixel.outstanding.bytes";
    static final String PHONE_CONNECTED = "pixel.phone.connected";

    private final PixelLedger pixel;
    private final SyncthingClient syncthing;
    private final RunContext run;
    private final String folder;
    private final String device;
    private final PixelConfig.Proof proof;
    private final Metrics metrics;

    private volatile String problem;
    private volatile long notBefore;
    private int failures;
    private long cursor;
    private volatile long lastProgress = System.nanoTime();
    private volatile long checks;
    private volatile long confirmedTotal;

    public PixelConfirmer(PixelLedger pixel, SyncthingClient syncthing, RunContext run, PixelConfig.Proof proof,
                          Metrics metrics) {
        this.pixel = pixel;
        this.syncthing = syncthing;
        this.run = run;
        this.folder = proof.folderId();
        this.device = proof.deviceId();
        this.proof = proof;
        this.metrics = metrics;
    }

    SyncthingClient syncthing() {
        return syncthing;
    }

    /** What keeps deliveries from being confirmed right now, or null when nothing does. */
    public String problem() {
        return problem;
    }

    public long confirmedTotal() {
        return confirmedTotal;
    }

    /** Nanos (System.nanoTime) of the last staging or confirmation: `once` waits a while after it. */
    public long lastProgress() {
        return lastProgress;
    }

    /** How many checks ran (passed or failed; not the ticks skipped while backing off). */
    public long checks() {
        return checks;
    }

    void progress() {
        lastProgress = System.nanoTime();
    }

    /** Asks Syncthing to scan one closed batch; a failure is retried by the next pass. */
    public void scan(PixelLedger.Batch batch) {
        try {
            syncthing.scan(folder, batch.name());
            pixel.markScanned(batch.id());
        } catch (SyncthingException e) {
            pixel.markScanFailed(batch.id(), e.getMessage());
            metrics.increment(FAILURES + kindOf(e));
            report(explain(e));
        }
    }

    /** One timer tick: does nothing while backing off, else one pass. */
    public void check() {
        if (System.nanoTime() - notBefore < 0) {
            return;
        }
        try {
            pass();
            if (failures > 0 || problem != null) {
                report(null);
            }
            failures = 0;
        } catch (SyncthingException e) {
            fail(kindOf(e), explain(e));
        } catch (Unavailable e) {
            fail(e.kind, e.getMessage());
        } finally {
            checks++;
        }
    }

    private void fail(String kind, String message) {
        metrics.increment(FAILURES + kind);
        report(message);
        failures = Math.min(failures + 1, 20);
        long wait = Math.min(proof.maxBackoffMillis(), proof.pollMillis() << Math.min(failures, 16));
        notBefore = System.nanoTime() + wait * 1_000_000L;
    }

    private void pass() {
        for (PixelLedger.Batch b : pixel.unscannedBatches()) {
            syncthing.scan(folder, b.name());
            pixel.markScanned(b.id());
        }
        List<PixelLedger.Pending> pending = pixel.unconfirmed(cursor, proof.filesPerPass());
        if (pending.isEmpty() && cursor > 0) {
            cursor = 0;
            pending = pixel.unconfirmed(cursor, proof.filesPerPass());
        }
        if (pending.isEmpty()) {
            outstanding();
            return;
        }
        // more waiting than one pass checks: the next pass goes on where this one stops
        cursor = pending.size() < proof.filesPerPass() ? 0 : pending.get(pending.size() - 1).id();
        JsonNode phone;
        try {
            phone = PhoneCopy.connectedPhone(syncthing, folder, device, v -> metrics.set(PHONE_CONNECTED, v));
        } catch (Unavailable e) {
            throw e.kind.equals(DEVICE_NOT_FOUND) ? e : new Unavailable(e.kind, e.getMessage() + "; "
                    + (e.kind.equals(PHONE_OFFLINE) ? pixel.unconfirmedCount() + " staged file(s) wait for it"
                            : pending.size() + " staged file(s) wait"));
        }
        JsonNode completion = syncthing.completion(folder, device);
        long started = System.nanoTime();
        List<PixelLedger.Check> checks = new java.util.ArrayList<>();
        for (PixelLedger.Pending p : pending) {
            PixelLedger.Check check = checkOne(p, phone, completion);
            if (check != null) {
                checks.add(check);
            }
        }
        int confirmed = pixel.record(checks, proof.holdDays());
        outstanding();
        if (confirmed > 0) {
            for (int i = 0; i < confirmed; i++) {
                metrics.increment(CONFIRMED);
            }
            confirmedTotal += confirmed;
            progress();
            LOG.info("Pixel: {} file(s) confirmed on the phone ({} still to confirm; {} checked in {} ms)", confirmed,
                    pixel.unconfirmedCount(), pending.size(), (System.nanoTime() - started) / 1_000_000);
        }
    }

    /** The outcome for one file, or null when nothing changed since its last check. */
    private PixelLedger.Check checkOne(PixelLedger.Pending p, JsonNode phone, JsonNode completion) {
        String rel = p.batchName() + "/" + Path.of(p.stagedPath()).getFileName();
        PhoneCopy copy = PhoneCopy.look(syncthing, folder, device, rel, p.size(), p.stagedVersion());
        if (copy.kind() != PhoneCopy.Kind.PRESENT) {
            // a version first seen is recorded even while the file is not on the phone yet
            return note(p, copy.kind() == PhoneCopy.Kind.ABSENT ? "not on the phone yet" : copy.detail(),
                    copy.firstSeenVersion());
        }
        JsonNode entry = copy.entry();
        JsonNode global = copy.global();
        ObjectNode evidence = JSON.createObjectNode();
        evidence.put("device", device);
        evidence.put("file", rel);
        evidence.set("availability", entry);
        ObjectNode g = evidence.putObject("global");
        g.set("version", global.path("version"));
        g.put("size", global.path("size").asLong());
        g.set("modified", global.path("modified"));
        g.set("sequence", global.path("sequence"));
        ObjectNode c = evidence.putObject("connection");
        c.put("connected", true);
        c.set("address", phone.path("address"));
        c.set("clientVersion", phone.path("clientVersion"));
        c.set("startedAt", phone.path("startedAt"));
        evidence.set("folderCompletion", completion); // context only, never the proof
        evidence.put("checkedAt", OffsetDateTime.now(ZoneOffset.UTC).toString());
        return new PixelLedger.Check(p.id(), p.batchId(), true, evidence.toString(), copy.firstSeenVersion());
    }

    /** Writes the outcome only when it changed: a pass over thousands of waiting files stays read-only. */
    private static PixelLedger.Check note(PixelLedger.Pending p, String outcome, String firstSeenVersion) {
        return outcome.equals(p.lastCheck()) && firstSeenVersion == null ? null
                : new PixelLedger.Check(p.id(), p.batchId(), false, outcome, firstSeenVersion);
    }

    /** Publishes what is staged and not yet confirmed (gauges pixel.outstanding.files / .bytes). */
    void outstanding() {
        PixelLedger.Outstanding o = pixel.outstanding();
        metrics.set(OUTSTANDING_FILES, o.files());
        metrics.set(OUTSTANDING_BYTES, o.bytes());
    }

    /** The failure counter's last name part for a failed Syncthing call. */
    String kindOf(SyncthingException e) {
        return switch (e.kind()) {
            case UNREACHABLE -> UNREACHABLE;
            case FORBIDDEN -> FORBIDDEN;
            case NOT_FOUND -> e.getMessage().contains("no such folder") ? FOLDER_NOT_FOUND : OTHER;
            case BAD_REQUEST -> e.getMessage().contains("device") ? DEVICE_NOT_FOUND : OTHER;
            case FAILED -> e.status() == 500 && e.getMessage().contains("/rest/db/scan") ? FOLDER_ERROR : OTHER;
        };
    }

    /** Plain words for a failed call: what happened and which setting to check. */
    String explain(SyncthingException e) {
        return switch (e.kind()) {
            case UNREACHABLE, FORBIDDEN -> e.getMessage();
            case NOT_FOUND -> e.getMessage().contains("no such folder")
                    ? "Syncthing at " + syncthing.baseUrl() + " has no folder '" + folder + "' (pipeline.target.pixel.folder-id)"
                    : e.getMessage();
            case BAD_REQUEST -> e.getMessage().contains("device")
                    ? "pipeline.target.pixel.device-id is not a valid Syncthing device ID (" + e.getMessage() + ")"
                    : e.getMessage();
            case FAILED -> e.status() == 500 && e.getMessage().contains("/rest/db/scan")
                    // 1.19.2 answers a scan of a broken folder with 500 and the folder's error
                    ? "Syncthing folder '" + folder + "' is in error: " + e.getMessage().replaceFirst(".*HTTP 500 ", "")
                            + (e.getMessage().contains("marker") ? " (is the disk under pipeline.home mounted?)" : "")
                    : "Syncthing call failed: " + e.getMessage();
        };
    }

    private void report(String message) {
        String before = problem;
        problem = message;
        if (message == null) {
            if (before != null) {
                LOG.info("Pixel delivery checks work again (was: {})", before);
                safeLog("info", "checks work again (was: " + before + ")");
            }
            return;
        }
        if (!message.equals(before)) {
            LOG.warn("Pixel delivery: {}; nothing is confirmed until this is fixed", message);
            safeLog("warn", message);
        }
    }

    private void safeLog(String level, String message) {
        try {
            pixel.log(run.runId(), level, message, null, null);
        } catch (RuntimeException e) {
            LOG.debug("could not write pipeline_logs: {}", e.getMessage());
        }
    }
}
