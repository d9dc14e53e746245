package io.mediapipeline.flow;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * A copy of an original held somewhere else (iCloud), from which the scrub restores an original whose bytes went bad.
 * A stage that holds such copies binds one in the registry. The caller hashes what was written and uses it only when
 * it equals the ledger's sha256, so a transformed copy (a compressed one) is never taken for the original.
 */
public interface CopySource {

    /** Where the copies are, for logs and the ledger: "icloud". */
    String name();

    /**
     * Writes into {@code into} (a new file the caller made room for and later checks) the bytes of a copy of the file
     * that should be exactly the original's ({@code sha256}, {@code size}), and says where they came from; empty when
     * this source holds no such copy.
     */
    Optional<String> fetch(UUID mediaFileId, String sha256, long size, Path into) throws IOException;
}
