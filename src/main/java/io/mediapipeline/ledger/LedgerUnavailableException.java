package io.mediapipeline.ledger;

/** The ledger cannot be reached or prepared; nothing may run without it. */
public class LedgerUnavailableException extends RuntimeException {
    public LedgerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
