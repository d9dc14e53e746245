package io.mediapipeline.cleanup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.flow.OriginalRemoval;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether cleanup asks for a verified file's original at its source (iCloud) to be removed, and the asking. Only
 * when the removal bean is there and switched on, the file's iCloud delivery is confirmed (its smaller copy was
 * read back), the Pixel's proof is in the verify evidence when that target is on, and the copies the ledger
 * names were checked just now (the caller's part). FAILED is asked again next pass. Any other answer lets a verified
 * file become cleaned, but cleanup comes back to cleaned files whose removal is still due under the current settings
 * ({@link Cleaner}): a dry run's listing (WOULD_REMOVE) is asked for real once the dry run is switched off, and a
 * refusal is asked again after a back-off ({@link CleanupLedger#icloudSettled}).
 */
class IcloudOriginal {

    private static final Logger LOG = LoggerFactory.getLogger(IcloudOriginal.class);
    static final String APPROVED_BY = "cleanup";

    private final CleanupConfig config;
    private final CleanupLedger ledger;
    private final ObjectMapper json = new ObjectMapper();

    IcloudOriginal(CleanupConfig config, CleanupLedger ledger) {
        this.config = config;
        this.ledger = ledger;
    }

    /** The bean to ask for this file, or empty when no removal is due for it under the current settings and facts. */
    Optional<OriginalRemoval> due(CleanupLedger.Candidate f, Pass pass) {
        Optional<OriginalRemoval> removal = pass.removal(f.source()).filter(OriginalRemoval::enabled);
        if (removal.isEmpty() || ledger.icloudSettled(f.id(), config.originalDryRun())) {
            return Optional.empty();
        }
        if (!ledger.icloudConfirmed(f.id())) {
            LOG.debug("Cleanup: the original of {} stays at its source: its iCloud delivery is not confirmed", f.id());
            return Optional.empty();
        }
        if (config.pixelOn() && !pixelProven(f.evidence())) {
            LOG.warn("Cleanup: the original of {} stays at its source: the Pixel target is on and the verify evidence"
                    + " has no Pixel proof", f.id());
            return Optional.empty();
        }
        return removal;
    }

    /** Asks; true when the answer lets a verified file become cleaned (anything but FAILED). */
    boolean ask(OriginalRemoval removal, CleanupLedger.Candidate f, Pass pass) throws IOException {
        pass.guard.require();
        OriginalRemoval.Outcome out = removal.remove(f.id(), APPROVED_BY, why(f), config.dryRun());
        pass.count("original " + out.state().name().toLowerCase(java.util.Locale.ROOT));
        switch (out.state()) {
            case REMOVED -> LOG.info("Cleanup: the original of {} was removed from {}", f.id(), removal.source());
            case WOULD_REMOVE -> LOG.info("Dry run: the original of {} would be removed from {}", f.id(), removal.source());
            case REFUSED -> LOG.warn("Cleanup: the removal of the original of {} was refused: {}", f.id(), out.detail());
            case FAILED -> LOG.warn("Cleanup: the removal of the original of {} failed, asked again next pass: {}", f.id(),
                    out.detail());
            case NOT_APPLICABLE -> LOG.debug("Cleanup: {} has no original at {}", f.id(), removal.source());
        }
        return out.state() != OriginalRemoval.State.FAILED;
    }

    /** The proofs relied on, in a line (names and times only). */
    private String why(CleanupLedger.Candidate f) {
        return "verified at " + f.verifiedAt() + "; original and archive copy re-checked against the ledger's sha256"
                + " just now; iCloud delivery confirmed by read-back" + (config.pixelOn() ? "; Pixel copy proven" : "");
    }

    private boolean pixelProven(String evidence) {
        if (evidence == null) {
            return false;
        }
        try {
            JsonNode e = json.readTree(evidence);
            return has(e.get("pixel")) || has(e.path("targets").get("pixel"));
        } catch (IOException ex) {
            return false;
        }
    }

    private static boolean has(JsonNode n) {
        return n != null && !n.isNull() && !(n.isContainerNode() && n.isEmpty());
    }
}
