package io.mediapipeline.demo;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a camera writes into a sample file: the EXIF tags, GPS, and the Apple maker notes of a Live Photo. */
public final class SampleTags {

    private SampleTags() {
    }

    /** The tags a camera writes; with the image size present, {@code exiftool -validate} has nothing to report. */
    static Map<String, String> exif(String dateTimeOriginal, String offset, String make, String model,
                                            int width, int height) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("ExifIFD:DateTimeOriginal", dateTimeOriginal);
        if (offset != null) {
            tags.put("ExifIFD:OffsetTimeOriginal", offset);
        }
        tags.put("IFD0:Make", make);
        tags.put("IFD0:Model", model);
        tags.put("ExifIFD:ExifImageWidth", Integer.toString(width));
        tags.put("ExifIFD:ExifImageHeight", Integer.toString(height));
        return tags;
    }

    /** exiftool arguments that write the tags and GPS. */
    static List<String> arguments(Map<String, String> tags, SampleLibrary.Gps gps) {
        List<String> args = new ArrayList<>();
        // '#=' writes the numeric value (Orientation 6), not the printed "Rotate 90 CW".
        tags.forEach((tag, value) -> args.add("-" + tag + "#=" + value));
        if (gps != null) {
            args.add("-GPS:GPSLatitude=" + Math.abs(gps.latitude()));
            args.add("-GPS:GPSLatitudeRef=" + (gps.latitude() < 0 ? "S" : "N"));
            args.add("-GPS:GPSLongitude=" + Math.abs(gps.longitude()));
            args.add("-GPS:GPSLongitudeRef=" + (gps.longitude() < 0 ? "W" : "E"));
        }
        return args;
    }

    /**
     * A minimal Apple maker-note block: the "Apple iOS" header, then a big-endian IFD holding
     * MakerNoteVersion and MediaGroupUUID; offsets count from the start of the block.
     */
    public static byte[] appleMakerNotes(String mediaGroupUuid) {
        byte[] header = "Apple iOS\0".getBytes(StandardCharsets.US_ASCII);
        byte[] uuid = (mediaGroupUuid + "\0").getBytes(StandardCharsets.US_ASCII);
        int ifdStart = header.length + 4;
        int entries = 2;
        int dataStart = ifdStart + 2 + entries * 12 + 4;
        ByteBuffer block = ByteBuffer.allocate(dataStart + uuid.length);
        block.put(header).putShort((short) 1).put("MM".getBytes(StandardCharsets.US_ASCII));
        block.putShort((short) entries);
        block.putShort((short) 0x0001).putShort((short) 9).putInt(1).putInt(14);          // MakerNoteVersion, int32s
        block.putShort((short) 0x0011).putShort((short) 2).putInt(uuid.length).putInt(dataStart); // MediaGroupUUID
        block.putInt(0);                                                                   // no next IFD
        block.put(uuid);
        return block.array();
    }
}
