package io.mediapipeline.icloud.upload;

import com.fasterxml.jackson.databind.JsonNode;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.icloud.IcloudAccounts;
import io.mediapipeline.icloud.upload.UploadLedger.Proving;
import io.mediapipeline.icloud.web.IcloudWebException;
import io.mediapipeline.icloud.web.PhotosWeb;
import io.mediapipeline.icloud.web.PhotosWeb.Asset;
import io.mediapipeline.icloud.web.PhotosWeb.Found;
import io.mediapipeline.icloud.web.PhotosWeb.Master;
import io.mediapipeline.ops.Metrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proof (routes/70-upload-icloud.camel.yaml, route prove-icloud): a registered file is confirmed only when
 * its asset is read back from iCloud, not deleted, pointing to the master putAsset returned, and that master's
 * original has the uploaded size and the checksum of the upload receipt; for a share of files the original is
 * also downloaded back and must have the uploaded sha256. Not found yet is normal for a while after registration:
 * looked up again with backoff, then 'unproven' (looked up again later, never uploaded again blindly); so is an
 * asset whose master is not returned yet (still being indexed). Anything
 * that differs fails the file with a reason naming it.
 */
public class Prover {

    private static final Logger LOG = LoggerFactory.getLogger(Prover.class);
    private static final int PER_PASS = 100;

    private final UploadConfig cfg;
    private final UploadLedger ledger;
    private final WebSessions sessions;
    private final BatchPicker picker;
    private final IcloudAccounts shared;
    private final RunContext run;
    private final Metrics metrics;
    private volatile long passes;
    private volatile long lastProgress = System.nanoTime();

    Prover(UploadConfig cfg, UploadLedger ledger, WebSessions sessions, BatchPicker picker, IcloudAccounts shared,
           RunContext run, Metrics metrics) {
        this.cfg = cfg;
        this.ledger = ledger;
        this.sessions = sessions;
        this.picker = picker;
        this.shared = shared;
        this.run = run;
        this.metrics = metrics;
    }

    /** Step look-up-uploaded-files: every due file once; returns how many were decided (confirmed, unproven, failed). */
    public int check() {
        Set<String> skipped = new HashSet<>();
        int decided = 0;
        for (Proving p : ledger.dueForProof(Instant.now(), PER_PASS)) {
            if (skipped.contains(p.account())) {
                continue;
            }
            try {
                // an account backing off, waiting for a sign-in or refused is not asked at all: each look-up it
                // answered with a throttle would only push its backoff (shared with the download) further out
                PhotosWeb web = picker.canLookUp(p.account()) ? sessions.client(p.account()) : null;
                if (web == null) {
                    skipped.add(p.account());
                    continue;
                }
                if (prove(web, p)) {
                    decided++;
                    lastProgress = System.nanoTime();
                }
            } catch (IcloudWebException e) {
                if (accountProblem(p.account(), e)) {
                    skipped.add(p.account());
                }
                lookLater(p, "look-up failed: " + e.getMessage());
            } catch (IOException e) {
                lookLater(p, "look-up failed: " + e.getMessage());
            }
        }
        passes++;
        return decided;
    }

    /** True when the file got its final (or unproven) state. */
    private boolean prove(PhotosWeb web, Proving p) throws IcloudWebException, IOException {
        JsonNode evidence = Evidence.read(p.evidence());
        int lookups = evidence.path("lookups").asInt() + 1;
        Optional<Found> found = web.lookup(p.assetRecord());
        Instant now = Instant.now();
        // an asset whose master is not returned yet is still being indexed, like one not found yet
        if (found.isEmpty() || found.get().master() == null) {
            Instant since = p.registeredAt() != null ? p.registeredAt() : now;
            if (p.state().equals("unproven") || !now.isBefore(since.plus(cfg.proof().timeout()))) {
                String reason = (found.isEmpty() ? "not found" : "its master not found") + " in iCloud " + cfg.proof().timeout().toSeconds() + " s after registration ("
                        + lookups + " look-up(s)); looked up again later, not uploaded again";
                ledger.unproven(p.mediaId(), reason, now.plus(cfg.proof().recheck()),
                        Evidence.of("lookups", lookups).at("lastLookupAt").json());
                if (p.state().equals("registered")) {
                    metrics.increment("icloud-upload.unproven");
                    ledger.log(run.runId(), "warn", "iCloud " + p.account() + ": " + reason, p.mediaId());
                }
                return true;
            }
            ledger.lookLater(p.mediaId(), now.plus(cfg.proof().pause(lookups + 1)),
                    Evidence.of("lookups", lookups).at("lastLookupAt").json());
            return false;
        }
        Asset a = found.get().asset();
        Master m = found.get().master();
        Evidence seen = Evidence.of("lookups", lookups).at("lastLookupAt").with("assetDeleted", a.deleted())
                .with("assetExpunged", a.expunged()).with("masterRef", a.masterRef());
        seen.with("masterSize", m.size()).with("masterChecksum", m.fileChecksum()).with("masterFileName", m.fileName());
        List<String> differs = differences(p, evidence, a, m);
        if (differs.isEmpty() && cfg.proof().downloadBack(p.uploadedSha256())) {
            String sha = downloadBack(web, p, m);
            seen.with("downloadedSha256", sha);
            if (!sha.equals(p.uploadedSha256())) {
                differs.add("downloaded back, its sha256 is " + sha + ", not the uploaded " + p.uploadedSha256());
            }
        }
        if (!differs.isEmpty()) {
            String reason = "iCloud holds something else: " + String.join("; ", differs);
            ledger.failed(p.mediaId(), p.account(), null, reason, seen.json());
            ledger.log(run.runId(), "warn", "iCloud " + p.account() + ": " + reason, p.mediaId());
            metrics.increment("icloud-upload.failed");
            LOG.warn("iCloud {}: upload of media file {} not proven: {}", p.account(), p.mediaId(), reason);
            return true;
        }
        ledger.confirmed(p.mediaId(), seen.at("confirmedAt").json());
        metrics.increment("icloud-upload.confirmed");
        return true;
    }

    private static List<String> differences(Proving p, JsonNode evidence, Asset a, Master m) {
        List<String> d = new ArrayList<>();
        if (a.deleted() || a.expunged()) {
            d.add("the asset is " + (a.expunged() ? "expunged" : "deleted"));
        }
        if (!p.masterRecord().equals(a.masterRef())) {
            d.add("the asset points to master " + a.masterRef() + ", not " + p.masterRecord());
        }
        if (m.size() != p.uploadedSize()) {
            d.add("the master's size is " + m.size() + ", not " + p.uploadedSize());
        }
        String checksum = Evidence.text(evidence, "fileChecksum");
        if (checksum == null || !checksum.equals(m.fileChecksum())) {
            d.add("the master's checksum is " + m.fileChecksum() + ", not the receipt's " + checksum);
        }
        return d;
    }

    private String downloadBack(PhotosWeb web, Proving p, Master m) throws IcloudWebException, IOException {
        Path dir = cfg.sessionDir(p.account());
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".download-", ".mp-tmp");
        try {
            return web.download(m, tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Throttling and an expired session are the account's, not the file's: the whole account waits. */
    private boolean accountProblem(String account, IcloudWebException e) {
        switch (e.kind()) {
            case THROTTLED -> {
                if (shared.blocked(account, Instant.now()) == null) { // one throttle backs off once, not per file
                    shared.apply(account, "throttled", "proof look-up: " + e.getMessage());
                }
            }
            case AUTH_EXPIRED -> {
                if (!sessions.renewed(account)) {
                    shared.apply(account, "auth-needed", "proof look-up: " + e.getMessage());
                }
            }
            case ADP_REQUIRED, UNAVAILABLE -> picker.refuse(account, e.getMessage());
            default -> {
                return false;
            }
        }
        return true;
    }

    private void lookLater(Proving p, String why) {
        Instant next = Instant.now().plus(p.state().equals("unproven") ? cfg.proof().recheck()
                : java.time.Duration.ofMillis(cfg.proof().pollMaxMillis()));
        ledger.lookLater(p.mediaId(), next, Evidence.of("lastLookupError", why).json());
    }

    long passes() {
        return passes;
    }

    long lastProgress() {
        return lastProgress;
    }
}
