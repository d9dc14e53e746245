package io.mediapipeline.archive;

import io.mediapipeline.ledger.MediaRecord;
import io.mediapipeline.media.Extensions;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.Locale;

/**
 * Where a file belongs in the archive: sorted/&lt;photos|videos&gt;/YYYY/MM/DD/ by its capture date in
 * the zone it was taken in (a photo from a trip is filed under the day it was there), or sorted/unknown/
 * when it has no believable date.
 */
public final class ArchivePaths {

    private static final OffsetDateTime EARLIEST = OffsetDateTime.parse("1971-01-01T00:00:00Z");

    private ArchivePaths() {
    }

    public static Path folderFor(Path sorted, MediaRecord m, boolean useMtime, OffsetDateTime now) {
        return folderFor(sorted, m, m.kind(), useMtime, now);
    }

    /** As above, filed as {@code kind} ("video" or else photo): a Live Photo's movie lives with its still. */
    static Path folderFor(Path sorted, MediaRecord m, String kind, boolean useMtime, OffsetDateTime now) {
        OffsetDateTime t = m.capturedAt();
        boolean fromMtime = "File:mtime".equals(m.captureSource());
        if (t == null || fromMtime && !useMtime || t.isBefore(EARLIEST) || t.isAfter(now.plusDays(1))) {
            return sorted.resolve("unknown");
        }
        String kindDir = kind.equals("video") ? "videos" : "photos";
        return sorted.resolve(kindDir)
                .resolve(String.format("%04d", t.getYear()))
                .resolve(String.format("%02d", t.getMonthValue()))
                .resolve(String.format("%02d", t.getDayOfMonth()));
    }

    /** The user's own file name, with the extension corrected when it did not match the content. */
    public static String nameFor(MediaRecord m) {
        String name = m.originalName();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
        return Extensions.sameFamily(ext, m.extension()) ? name : stem + "." + m.extension();
    }
}
