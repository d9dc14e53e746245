package io.mediapipeline.media;

import java.util.Locale;
import java.util.Map;

/**
 * Maps exiftool's content-based FileType to the pipeline's format names, so a JPEG called ".png" is still a JPEG.
 *
 * @param decoder ffmpeg demuxer that reads the whole file as this format regardless of its name (the *_pipe demuxers
 *                also ignore "%d" patterns in names), or null when this ffmpeg cannot decode it and exiftool's parse
 *                is the only check
 */
record MediaFormat(MediaKind kind, String format, String extension, String mimeType, String decoder) {

    private static final Map<String, MediaFormat> BY_FILE_TYPE = Map.ofEntries(
            Map.entry("JPEG", photo("jpeg", "jpg", "image/jpeg", "jpeg_pipe")),
            Map.entry("PNG", photo("png", "png", "image/png", "png_pipe")),
            Map.entry("GIF", photo("gif", "gif", "image/gif", "gif")),
            Map.entry("WEBP", photo("webp", "webp", "image/webp", "webp_pipe")),
            Map.entry("TIFF", photo("tiff", "tif", "image/tiff", "tiff_pipe")),
            // ffmpeg 5.1 (Debian bookworm) has no HEIF demuxer
            Map.entry("HEIC", photo("heic", "heic", "image/heic", null)),
            Map.entry("HEIF", photo("heif", "heif", "image/heif", null)),
            // camera RAW: exiftool tells them apart by content (the TIFF-based ones with the name as a hint, since
            // they share TIFF's header); ffmpeg decodes at most an embedded preview, so exiftool's parse is the check
            Map.entry("DNG", photo("dng", "dng", "image/x-adobe-dng", null)),
            Map.entry("CR2", photo("cr2", "cr2", "image/x-canon-cr2", null)),
            Map.entry("CR3", photo("cr3", "cr3", "image/x-canon-cr3", null)),
            Map.entry("NEF", photo("nef", "nef", "image/x-nikon-nef", null)),
            Map.entry("ARW", photo("arw", "arw", "image/x-sony-arw", null)),
            Map.entry("RAF", photo("raf", "raf", "image/x-fujifilm-raf", null)),
            Map.entry("ORF", photo("orf", "orf", "image/x-olympus-orf", null)),
            Map.entry("RW2", photo("rw2", "rw2", "image/x-panasonic-rw2", null)),
            Map.entry("MOV", video("mov", "mov", "video/quicktime")),
            Map.entry("MP4", video("mp4", "mp4", "video/mp4")),
            Map.entry("M4V", video("m4v", "m4v", "video/x-m4v")),
            Map.entry("AVI", video("avi", "avi", "video/x-msvideo")),
            Map.entry("MKV", video("mkv", "mkv", "video/x-matroska")),
            Map.entry("WEBM", video("webm", "webm", "video/webm")),
            Map.entry("3GP", video("3gp", "3gp", "video/3gpp")),
            Map.entry("3G2", video("3gp", "3g2", "video/3gpp2")));

    /**
     * The format for exiftool's File:FileType, File:MIMEType and File:FileTypeExtension, or null when it is neither a
     * photo nor a video. Types outside the table (camera RAW, BMP, MPEG-TS, ...) are accepted by their MIME type so a
     * user's photos are not quarantined just because they are rare.
     */
    static MediaFormat of(String fileType, String mimeType, String fileTypeExtension) {
        if (fileType == null) {
            return null;
        }
        MediaFormat known = BY_FILE_TYPE.get(fileType.toUpperCase(Locale.ROOT));
        if (known != null) {
            return mimeType == null ? known
                    : new MediaFormat(known.kind, known.format, known.extension, mimeType, known.decoder);
        }
        // vector drawings and icons are images to exiftool but not photos to anybody
        if (mimeType == null || mimeType.contains("svg") || mimeType.contains("icon")) {
            return null;
        }
        String name = fileType.toLowerCase(Locale.ROOT);
        String extension = fileTypeExtension == null ? name : fileTypeExtension.toLowerCase(Locale.ROOT);
        if (mimeType.startsWith("image/")) {
            return photo(name, extension, mimeType, null);
        }
        if (mimeType.startsWith("video/")) {
            return video(name, extension, mimeType);
        }
        return null;
    }

    private static MediaFormat photo(String format, String extension, String mime, String decoder) {
        return new MediaFormat(MediaKind.PHOTO, format, extension, mime, decoder);
    }

    private static MediaFormat video(String format, String extension, String mime) {
        return new MediaFormat(MediaKind.VIDEO, format, extension, mime, null);
    }
}
