package io.mediapipeline.media;

/**
 * Everything later stages need to know about one file, decided from its content rather than its name.
 *
 * @param format            container or codec family by content: jpeg, heic, heif, png, gif, webp, tiff, mov, mp4, m4v,
 *                          avi, mkv, webm, 3gp; camera RAW as cr2, cr3, nef, arw, raf, orf, rw2, dng (archived and
 *                          delivered as they are, never transcoded: {@link Extensions#isCameraRaw}); other image/video
 *                          types exiftool knows appear in lower case
 * @param extension         canonical lower-case extension for that content ("jpg", "heic", "mov", ...)
 * @param width             stored width; not swapped for rotation
 * @param height            stored height; not swapped for rotation
 * @param durationSeconds   video duration, null for photos
 * @param rotation          clockwise degrees a viewer turns the picture: 0, 90, 180 or 270
 * @param contentIdentifier Apple Live Photo pairing id (same value in the photo and its MOV), or null
 */
public record MediaInfo(
        MediaKind kind,
        String format,
        String extension,
        String mimeType,
        Integer width,
        Integer height,
        Double durationSeconds,
        Integer rotation,
        boolean hasGps,
        Double latitude,
        Double longitude,
        CaptureTime captureTime,
        String make,
        String model,
        String contentIdentifier) {
}
