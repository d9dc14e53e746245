package io.mediapipeline.ledger;

/** The source_files row for one input, and whether it was already dealt with in an earlier run. */
public record SourceAdmission(long sourceFileId, String disposition) {

    public boolean alreadyDone() {
        return !"pending".equals(disposition);
    }
}
