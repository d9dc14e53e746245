package io.mediapipeline.similar;

import io.mediapipeline.config.Settings;
import io.mediapipeline.media.MediaInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Near-duplicates: a 64-bit perceptual hash for every photo and video, made in ingest's parallel pass and stored in
 * media_files.perceptual_hash, and the pairs within pipeline.dedupe.near.max-distance bits recorded in duplicate_files
 * (kind near, with the distance) for review. Nothing is ever moved or deleted because of it.
 *
 * <p>Placeholder of the agreed contract: makes no hash and records nothing yet.
 */
public class NearDuplicates {

    public NearDuplicates(DataSource dataSource, Settings settings) {
        NearConfig.from(settings);
    }

    /**
     * The perceptual hash of a photo or video, or null when none is made (switched off, or no installed tool decodes
     * this format). Thread-safe: ingest calls it for several files at once, before the file's row commits.
     */
    public Long fingerprint(Path file, MediaInfo info) throws IOException {
        return null;
    }

    /**
     * After the rows of new originals have committed (with their perceptual_hash): records each one's near neighbours
     * among everything the ledger knows. Idempotent, so a crash between commit and this call is repaired by calling it
     * again for the same ids.
     */
    public void recordNear(Collection<UUID> newMediaIds) {
        // placeholder
    }
}
