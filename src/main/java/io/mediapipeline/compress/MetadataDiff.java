package io.mediapipeline.compress;

import io.mediapipeline.media.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The gate's metadata check: what the original says about when, where, which way up and with which camera
 * must still be said, with the same value, by the compressed copy. Tag maps are exiftool -json -n -G1.
 */
public final class MetadataDiff {

    private static final List<String[]> TEXT_FIELDS = List.of(
            new String[] {"capture date", "ExifIFD:DateTimeOriginal"},
            new String[] {"capture date offset", "ExifIFD:OffsetTimeOriginal"},
            new String[] {"capture date (QuickTime)", "QuickTime:CreateDate"},
            new String[] {"capture date (Apple)", "Keys:CreationDate"},
            new String[] {"make", "IFD0:Make"},
            new String[] {"model", "IFD0:Model"},
            new String[] {"make (QuickTime)", "Keys:Make"},
            new String[] {"model (QuickTime)", "Keys:Model"},
            new String[] {"make (QuickTime)", "UserData:Make"},
            new String[] {"model (QuickTime)", "UserData:Model"},
            new String[] {"Live Photo content identifier", "Keys:ContentIdentifier"},
            // the still's half of the pairing (Apple maker notes); iCloud pairs the halves by it
            new String[] {"Live Photo content identifier", "Apple:MediaGroupUUID"},
            new String[] {"Live Photo content identifier", "Apple:ContentIdentifier"},
            new String[] {"orientation", "IFD0:Orientation"});

    private MetadataDiff() {
    }

    /** Names of what the output lost or changed; empty when nothing was. */
    public static List<String> lost(Map<String, Object> original, Map<String, Object> output) {
        List<String> lost = new ArrayList<>();
        for (String[] f : TEXT_FIELDS) {
            String before = text(original, f[1]);
            if (before != null && !before.equals(text(output, f[1])) && !lost.contains(f[0])) {
                lost.add(f[0]);
            }
        }
        Double lat = Tags.number(original, "Composite:GPSLatitude");
        Double lon = Tags.number(original, "Composite:GPSLongitude");
        if (lat != null && lon != null) {
            Double lat2 = Tags.number(output, "Composite:GPSLatitude");
            Double lon2 = Tags.number(output, "Composite:GPSLongitude");
            if (lat2 == null || lon2 == null || Math.abs(lat - lat2) > 1e-5 || Math.abs(lon - lon2) > 1e-5) {
                lost.add("GPS");
            }
        }
        Double rotation = Tags.number(original, "Composite:Rotation");
        if (rotation != null) {
            Double after = Tags.number(output, "Composite:Rotation");
            if (after == null || Math.abs(rotation - after) > 0.5) {
                lost.add("rotation");
            }
        }
        return lost;
    }

    /** The tag as text; exiftool's all-zero date ("0000:00:00 00:00:00") counts as no date. */
    static String text(Map<String, Object> tags, String key) {
        String s = Tags.text(tags, key);
        return s == null || s.startsWith("0000:00:00") ? null : s;
    }
}
