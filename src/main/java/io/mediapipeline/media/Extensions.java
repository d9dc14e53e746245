package io.mediapipeline.media;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * File-name extensions that are spellings of the same kind of content. Ingest uses this to decide whether a name
 * is "wrong" for its content, and organize to decide whether the archive keeps the user's name: one list, so the
 * two never disagree (a ".jpe" accepted by ingest is not renamed by organize).
 */
public final class Extensions {

    private static final List<Set<String>> FAMILIES = List.of(
            Set.of("jpg", "jpeg", "jpe"),
            Set.of("heic", "heif", "hif"),
            Set.of("tif", "tiff"),
            // one ISO-BMFF container family: phones name the same brands .mov, .mp4 or .m4v
            Set.of("mp4", "mov", "m4v", "qt"));

    /** Camera RAW formats (MediaInfo.format, which is also their extension): archived and delivered as they are. */
    private static final Set<String> CAMERA_RAW = Set.of("cr2", "cr3", "nef", "arw", "raf", "orf", "rw2", "dng");

    private Extensions() {
    }

    /** Whether a format (or extension) is a camera's RAW sensor data, which is never transcoded. */
    public static boolean isCameraRaw(String format) {
        return format != null && CAMERA_RAW.contains(format.toLowerCase(Locale.ROOT));
    }

    /** Whether a file named {@code .ext} may hold content whose canonical extension is {@code canonical}. */
    public static boolean sameFamily(String ext, String canonical) {
        String e = ext.toLowerCase(Locale.ROOT);
        String c = canonical.toLowerCase(Locale.ROOT);
        return e.equals(c) || FAMILIES.stream().anyMatch(f -> f.contains(e) && f.contains(c));
    }
}
