package io.mediapipeline.ledger;

/** A ledger statement failed. Routes retry these instead of quarantining the file: the file is fine. */
public class LedgerException extends RuntimeException {
    public LedgerException(String message, Throwable cause) {
        super(message, cause);
    }
}
