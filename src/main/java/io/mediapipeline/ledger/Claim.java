package io.mediapipeline.ledger;

import java.util.UUID;

/**
 * The ledger's answer when a hashed file asks to become an original: it is new, it is the resumption
 * of an ingest a crash interrupted, or it is a copy of content already in the ledger.
 */
public record Claim(Outcome outcome, UUID mediaId, String existingOriginalPath) {

    public enum Outcome { NEW, RESUME, DUPLICATE }

    public boolean duplicate() {
        return outcome == Outcome.DUPLICATE;
    }
}
