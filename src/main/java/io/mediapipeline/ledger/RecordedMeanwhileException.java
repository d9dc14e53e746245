package io.mediapipeline.ledger;

/**
 * Another writer recorded a content of the batch between the batch's look-up and its commit: nothing of the batch
 * was recorded, and the caller decides the batch again (that content is now a duplicate of the other writer's row).
 */
public class RecordedMeanwhileException extends LedgerException {

    public RecordedMeanwhileException(String message) {
        super(message, null);
    }
}
