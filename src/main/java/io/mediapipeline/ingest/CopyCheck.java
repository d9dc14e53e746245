package io.mediapipeline.ingest;

import io.mediapipeline.ledger.InputLedger;
import io.mediapipeline.media.Hasher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Before an input the ledger calls done is let go (the inbox then deletes it), its recorded copy must really be
 * there: a power cut can take a new directory entry while the ledger row that points at it survives.
 */
final class CopyCheck {

    private CopyCheck() {
    }

    /** Null when the recorded copy is whole; otherwise what is wrong with it, in words for the log. */
    static String problem(InputLedger.RecordedCopy recorded, Path input) throws IOException {
        if (recorded == null || "skipped".equals(recorded.disposition())) {
            return null;
        }
        if (recorded.place() == null) {
            return "no copy of it was recorded";
        }
        Path copy = Path.of(recorded.place());
        if (!Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS)) {
            return "its recorded copy " + copy + " is missing";
        }
        long size = Files.size(copy);
        if (recorded.size() != null && recorded.size() >= 0 && size != recorded.size()) {
            return "its recorded copy " + copy + " has " + size + " bytes, not " + recorded.size();
        }
        if (Files.isSameFile(copy, input)) {
            return null; // one inode: the copy is the input
        }
        String expected = recorded.sha256() != null ? recorded.sha256() : Hasher.sha256(input);
        if (!Hasher.sha256(copy).equals(expected)) {
            return "its recorded copy " + copy + " does not hold the recorded content";
        }
        return null;
    }
}
