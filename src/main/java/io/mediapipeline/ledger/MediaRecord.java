package io.mediapipeline.ledger;

import java.time.OffsetDateTime;
import java.util.UUID;

/** One media_files row as the later stages need it. */
public record MediaRecord(
        UUID id,
        String sha256,
        long size,
        String kind,
        String extension,
        String originalName,
        OffsetDateTime capturedAt,
        String captureSource,
        String status,
        String originalPath,
        String archivePath) {
}
