package io.mediapipeline.media;

import java.time.OffsetDateTime;

/**
 * When a file was captured, and which tag said so, so the ledger can explain a sort folder.
 *
 * @param value        capture instant with the offset it is shown in
 * @param source       the tag it came from, e.g. "EXIF:DateTimeOriginal", "QuickTime:CreateDate", "File:mtime"
 * @param zoneFromFile true when the offset was recorded in the file; false when the configured zone was assumed
 */
public record CaptureTime(OffsetDateTime value, String source, boolean zoneFromFile) {
}
