package io.mediapipeline.media;

import com.drew.imaging.ImageProcessingException;
import com.drew.imaging.heif.HeifMetadataReader;
import com.drew.imaging.jpeg.JpegMetadataReader;
import com.drew.imaging.png.PngMetadataReader;
import com.drew.imaging.quicktime.QuickTimeMetadataReader;
import com.drew.lang.GeoLocation;
import com.drew.lang.Rational;
import com.drew.metadata.Directory;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifSubIFDDirectory;
import com.drew.metadata.exif.GpsDirectory;
import com.drew.metadata.exif.makernotes.AppleMakernoteDirectory;
import com.drew.metadata.heif.HeifDirectory;
import com.drew.metadata.iptc.IptcDirectory;
import com.drew.metadata.jpeg.JpegDirectory;
import com.drew.metadata.mov.QuickTimeDirectory;
import com.drew.metadata.mov.metadata.QuickTimeMetadataDirectory;
import com.drew.metadata.png.PngDirectory;
import com.drew.metadata.xmp.XmpDirectory;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what {@link MediaProbe} needs in-process with metadata-extractor, for the formats it reads well (JPEG, PNG,
 * HEIC/HEIF, MOV/MP4), and hands it over under exiftool's "Group:Tag" names, so one piece of code decides from either
 * reader. Null means "ask exiftool": another format, an ISO-BMFF file whose boxes do not add up to its length (cut
 * short: exiftool names the damage), a reader error, a layout this class does not map (a HEIC whose image size is
 * not clearly the primary image's, GPS only in XMP), or maker notes without a standard date (exiftool reads
 * maker-note dates). Stateless, so ingest's parallel pass may share it.
 */
final class LibraryTags {

    private static final DateTimeFormatter EXIF_DATE = DateTimeFormatter.ofPattern("yyyy:MM:dd HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    /** 1904-01-01, QuickTime's epoch: an mvhd date of zero, which exiftool shows as "0000:00:00 00:00:00". */
    private static final Instant QUICKTIME_EPOCH = Instant.parse("1904-01-01T00:00:00Z");

    private static final Pattern IPTC_DATE = Pattern.compile("^(\\d{4})(\\d{2})(\\d{2})$");
    private static final Pattern IPTC_TIME = Pattern.compile("^(\\d{2})(\\d{2})(\\d{2})(?:([+-]\\d{2})(\\d{2}))?$");

    /** exiftool's file type for an ISO-BMFF major brand; other brands are left to exiftool. */
    private static final Map<String, String> BRANDS = Map.ofEntries(
            Map.entry("qt  ", "MOV"), Map.entry("heic", "HEIC"), Map.entry("mif1", "HEIF"), Map.entry("M4V ", "M4V"),
            Map.entry("isom", "MP4"), Map.entry("iso2", "MP4"), Map.entry("mp41", "MP4"), Map.entry("mp42", "MP4"),
            Map.entry("avc1", "MP4"));

    private static final Map<String, String> MIME = Map.of("JPEG", "image/jpeg", "PNG", "image/png",
            "HEIC", "image/heic", "HEIF", "image/heif", "MOV", "video/quicktime", "MP4", "video/mp4",
            "M4V", "video/x-m4v");

    /**
     * Names exiftool gives a file by its extension when the content is of the family's root type (a QuickTime movie
     * named .mp4 is "MP4", a JPEG named .thm is "THM"); such files go to exiftool so both readers name them alike.
     */
    private static final Map<String, Set<String>> NAMED_BY_EXTENSION = Map.of(
            "JPEG", Set.of("insp", "jps", "mpo", "thm"),
            "PNG", Set.of("apng", "jng", "mng"),
            "MOV", Set.of("360", "3g2", "3gp", "aax", "avif", "cr3", "crm", "dvb", "f4a", "f4b", "f4p", "f4v", "heic",
                    "heif", "insv", "lrv", "m4a", "m4b", "m4p", "m4v", "mp4", "mqv"));

    /** A tag the library holds as text in the form exiftool -n prints it: exiftool's key, the library's place. */
    private record Text(String key, Class<? extends Directory> directory, int tag) {
    }

    private static final List<Text> STILL_TEXT = List.of(
            new Text("IFD0:Make", ExifIFD0Directory.class, ExifIFD0Directory.TAG_MAKE),
            new Text("IFD0:Model", ExifIFD0Directory.class, ExifIFD0Directory.TAG_MODEL),
            new Text("IFD0:Orientation", ExifIFD0Directory.class, ExifIFD0Directory.TAG_ORIENTATION),
            new Text("IFD0:ModifyDate", ExifIFD0Directory.class, ExifIFD0Directory.TAG_DATETIME),
            new Text("ExifIFD:DateTimeOriginal", ExifSubIFDDirectory.class, ExifSubIFDDirectory.TAG_DATETIME_ORIGINAL),
            new Text("ExifIFD:OffsetTimeOriginal", ExifSubIFDDirectory.class,
                    ExifSubIFDDirectory.TAG_TIME_ZONE_ORIGINAL),
            new Text("ExifIFD:CreateDate", ExifSubIFDDirectory.class, ExifSubIFDDirectory.TAG_DATETIME_DIGITIZED),
            new Text("ExifIFD:OffsetTimeDigitized", ExifSubIFDDirectory.class,
                    ExifSubIFDDirectory.TAG_TIME_ZONE_DIGITIZED),
            new Text("ExifIFD:OffsetTime", ExifSubIFDDirectory.class, ExifSubIFDDirectory.TAG_TIME_ZONE),
            new Text("Apple:MediaGroupUUID", AppleMakernoteDirectory.class,
                    AppleMakernoteDirectory.TAG_CONTENT_IDENTIFIER));

    private static final List<Text> MOVIE_TEXT = List.of(
            new Text("Keys:CreationDate", QuickTimeMetadataDirectory.class,
                    QuickTimeMetadataDirectory.TAG_CREATION_DATE),
            new Text("Keys:Make", QuickTimeMetadataDirectory.class, QuickTimeMetadataDirectory.TAG_MAKE),
            new Text("Keys:Model", QuickTimeMetadataDirectory.class, QuickTimeMetadataDirectory.TAG_MODEL),
            new Text("Keys:ContentIdentifier", QuickTimeMetadataDirectory.class,
                    QuickTimeMetadataDirectory.TAG_CONTENT_IDENTIFIER));

    private LibraryTags() {
    }

    /** The tags of a JPEG, PNG, HEIC/HEIF, MOV or MP4, or null when exiftool should read the file. */
    static Map<String, Object> read(Path file) throws IOException {
        String type = fileType(file);
        if (type == null) {
            return null;
        }
        Metadata metadata;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 65536)) {
            metadata = switch (type) {
                case "JPEG" -> JpegMetadataReader.readMetadata(in);
                case "PNG" -> PngMetadataReader.readMetadata(in);
                case "HEIC", "HEIF" -> HeifMetadataReader.readMetadata(in);
                default -> QuickTimeMetadataReader.readMetadata(in);
            };
        } catch (ImageProcessingException | IOException | RuntimeException e) {
            // the library's word on a damaged or odd file is not the last one: exiftool gives the reason
            return null;
        }
        // the QuickTime reader reports "End of data reached" on whole movies; IsoBoxes has checked their length
        if (!type.equals("MOV") && !type.equals("MP4") && !type.equals("M4V") && hasErrors(metadata)) {
            return null;
        }
        Map<String, Object> tags = new HashMap<>();
        tags.put("File:FileType", type);
        tags.put("File:MIMEType", MIME.get(type));
        tags.put("File:FileTypeExtension", type.equals("JPEG") ? "JPG" : type);
        boolean mapped = switch (type) {
            case "JPEG" -> size(tags, metadata, JpegDirectory.class, JpegDirectory.TAG_IMAGE_WIDTH,
                    JpegDirectory.TAG_IMAGE_HEIGHT);
            case "PNG" -> size(tags, metadata, PngDirectory.class, PngDirectory.TAG_IMAGE_WIDTH,
                    PngDirectory.TAG_IMAGE_HEIGHT);
            case "HEIC", "HEIF" -> size(tags, metadata, HeifDirectory.class, HeifDirectory.TAG_IMAGE_WIDTH,
                    HeifDirectory.TAG_IMAGE_HEIGHT);
            default -> movie(tags, metadata);
        };
        if (!mapped || type.startsWith("HEI") && !sizeAgreesWithExif(tags, metadata) || !still(tags, metadata)) {
            return null;
        }
        if (CaptureDates.fromTags(tags, ZoneOffset.UTC).isEmpty() && hasMakerNotes(metadata)) {
            // a camera that keeps its date only in its maker notes: exiftool reads those
            return null;
        }
        return tags;
    }

    /** exiftool's FileType for the formats read here, from the first bytes (and the name where exiftool uses it). */
    private static String fileType(Path file) throws IOException {
        String type = contentType(file);
        String name = file.getFileName().toString();
        String extension = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        return type == null || NAMED_BY_EXTENSION.getOrDefault(type, Set.of()).contains(extension) ? null : type;
    }

    private static String contentType(Path file) throws IOException {
        byte[] head = new byte[12];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= 3 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xD8 && (head[2] & 0xFF) == 0xFF) {
            return "JPEG";
        }
        if (n >= 8 && (head[0] & 0xFF) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') {
            return "PNG";
        }
        if (n == 12 && new String(head, 4, 4, StandardCharsets.ISO_8859_1).equals("ftyp")) {
            String type = BRANDS.get(new String(head, 8, 4, StandardCharsets.ISO_8859_1));
            return type != null && IsoBoxes.whole(file) ? type : null;
        }
        return null;
    }

    private static boolean hasErrors(Metadata metadata) {
        for (Directory directory : metadata.getDirectories()) {
            if (directory.hasErrors()) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasMakerNotes(Metadata metadata) {
        for (Directory directory : metadata.getDirectories()) {
            if (directory.getClass().getPackageName().endsWith(".makernotes")) {
                return true;
            }
        }
        return false;
    }

    /** Image size as File:ImageWidth/Height; false when several sizes are recorded (a HEIC grid and its tiles). */
    private static <D extends Directory> boolean size(Map<String, Object> tags, Metadata metadata, Class<D> type,
                                                      int widthTag, int heightTag) {
        Integer width = null;
        Integer height = null;
        for (D directory : metadata.getDirectoriesOfType(type)) {
            Integer w = directory.getInteger(widthTag);
            Integer h = directory.getInteger(heightTag);
            if (w == null || h == null) {
                continue;
            }
            if (width != null && (!width.equals(w) || !height.equals(h))) {
                return false;
            }
            width = w;
            height = h;
        }
        if (width == null) {
            return false;
        }
        tags.put("File:ImageWidth", width);
        tags.put("File:ImageHeight", height);
        return true;
    }

    /**
     * Whether a HEIC's size is its primary image's. The library records one spatial extent without saying which
     * item it belongs to; a phone's HEIC is a grid of tiles with a thumbnail, each with its own. The EXIF pixel
     * dimensions, which phones write, name the primary image's size; without them a single extent is trusted.
     */
    private static boolean sizeAgreesWithExif(Map<String, Object> tags, Metadata metadata) {
        ExifSubIFDDirectory exif = metadata.getFirstDirectoryOfType(ExifSubIFDDirectory.class);
        Integer width = exif == null ? null : exif.getInteger(ExifSubIFDDirectory.TAG_EXIF_IMAGE_WIDTH);
        Integer height = exif == null ? null : exif.getInteger(ExifSubIFDDirectory.TAG_EXIF_IMAGE_HEIGHT);
        return width == null || height == null
                || width.equals(tags.get("File:ImageWidth")) && height.equals(tags.get("File:ImageHeight"));
    }

    /** EXIF, GPS, IPTC, XMP and Apple maker-note tags of a still image; false when exiftool should map them. */
    private static boolean still(Map<String, Object> tags, Metadata metadata) {
        copy(tags, metadata, STILL_TEXT);
        GpsDirectory gps = metadata.getFirstDirectoryOfType(GpsDirectory.class);
        GeoLocation location = gps == null ? null : gps.getGeoLocation();
        if (location != null) {
            tags.put("Composite:GPSLatitude", location.getLatitude());
            tags.put("Composite:GPSLongitude", location.getLongitude());
        } else if (gps != null) {
            // without a N/S or E/W reference the library gives no position; exiftool gives the bare values
            put(tags, "GPS:GPSLatitude", degrees(gps.getRationalArray(GpsDirectory.TAG_LATITUDE)));
            put(tags, "GPS:GPSLongitude", degrees(gps.getRationalArray(GpsDirectory.TAG_LONGITUDE)));
            put(tags, "GPS:GPSLatitudeRef", gps.getString(GpsDirectory.TAG_LATITUDE_REF));
            put(tags, "GPS:GPSLongitudeRef", gps.getString(GpsDirectory.TAG_LONGITUDE_REF));
        }
        IptcDirectory iptc = metadata.getFirstDirectoryOfType(IptcDirectory.class);
        if (iptc != null) {
            put(tags, "IPTC:DateCreated", iptcDate(iptc.getString(IptcDirectory.TAG_DATE_CREATED)));
            put(tags, "IPTC:TimeCreated", iptcTime(iptc.getString(IptcDirectory.TAG_TIME_CREATED)));
            put(tags, "IPTC:DigitalCreationDate", iptcDate(iptc.getString(IptcDirectory.TAG_DIGITAL_DATE_CREATED)));
            put(tags, "IPTC:DigitalCreationTime", iptcTime(iptc.getString(IptcDirectory.TAG_DIGITAL_TIME_CREATED)));
        }
        return xmp(tags, metadata, location != null);
    }

    /** XMP's dates and orientation; false when XMP holds the only GPS (exiftool combines its ref tags). */
    private static boolean xmp(Map<String, Object> tags, Metadata metadata, boolean exifGps) {
        for (XmpDirectory xmp : metadata.getDirectoriesOfType(XmpDirectory.class)) {
            Map<String, String> properties = xmp.getXmpProperties();
            if (!exifGps && properties.containsKey("exif:GPSLatitude")) {
                return false;
            }
            put(tags, "XMP-exif:DateTimeOriginal", properties.get("exif:DateTimeOriginal"));
            put(tags, "XMP-photoshop:DateCreated", properties.get("photoshop:DateCreated"));
            put(tags, "XMP-xmp:CreateDate", properties.get("xmp:CreateDate"));
            put(tags, "XMP-tiff:Orientation", properties.get("tiff:Orientation"));
        }
        return true;
    }

    /** The movie header's dates (UTC) and Apple's Keys; false without a movie header. */
    private static boolean movie(Map<String, Object> tags, Metadata metadata) {
        QuickTimeDirectory header = metadata.getFirstDirectoryOfType(QuickTimeDirectory.class);
        if (header == null || !header.containsTag(QuickTimeDirectory.TAG_CREATION_TIME)) {
            return false;
        }
        put(tags, "QuickTime:CreateDate", quickTimeDate(header.getDate(QuickTimeDirectory.TAG_CREATION_TIME)));
        put(tags, "QuickTime:ModifyDate", quickTimeDate(header.getDate(QuickTimeDirectory.TAG_MODIFICATION_TIME)));
        copy(tags, metadata, MOVIE_TEXT);
        QuickTimeMetadataDirectory keys = metadata.getFirstDirectoryOfType(QuickTimeMetadataDirectory.class);
        if (keys != null) {
            String place = keys.getString(QuickTimeMetadataDirectory.TAG_LOCATION_ISO6709);
            Optional<FfprobeResult.Position> position = place == null ? Optional.empty()
                    : FfprobeResult.parseIso6709(place);
            position.ifPresent(p -> {
                tags.put("Composite:GPSLatitude", p.latitude());
                tags.put("Composite:GPSLongitude", p.longitude());
            });
        }
        return true;
    }

    /** exiftool's name for a container tag ffprobe reports, for those the library may miss. */
    private static final List<List<String>> CONTAINER_TAGS = List.of(
            List.of("Keys:CreationDate", "com.apple.quicktime.creationdate"),
            List.of("Keys:Make", "com.apple.quicktime.make"), List.of("Keys:Model", "com.apple.quicktime.model"),
            List.of("Keys:ContentIdentifier", "com.apple.quicktime.content.identifier"),
            // QuickTime user data (©mak, ©mod), where Android phones and cameras put them
            List.of("UserData:Make", "make"), List.of("UserData:Model", "model"));

    /**
     * Container tags ffprobe reported but the library did not find (it skips Keys in some MP4 layouts and reads no
     * user data), under exiftool's names. Only for tags read by {@link #read}; exiftool's own maps are complete.
     */
    static Map<String, Object> withContainerTags(Map<String, Object> tags, FfprobeResult probe) {
        Map<String, String> format = probe.formatTags();
        Map<String, Object> merged = new HashMap<>(tags);
        for (List<String> pair : CONTAINER_TAGS) {
            if (Tags.text(merged, pair.get(0)) == null) {
                put(merged, pair.get(0), format.get(pair.get(1)));
            }
        }
        return merged;
    }

    private static Double degrees(Rational[] degreesMinutesSeconds) {
        return degreesMinutesSeconds == null || degreesMinutesSeconds.length != 3 ? null
                : GeoLocation.degreesMinutesSecondsToDecimal(degreesMinutesSeconds[0], degreesMinutesSeconds[1],
                        degreesMinutesSeconds[2], false);
    }

    private static String quickTimeDate(Date date) {
        return date == null || !date.toInstant().isAfter(QUICKTIME_EPOCH) ? null : EXIF_DATE.format(date.toInstant());
    }

    /** IPTC's "20190506" as exiftool shows it, "2019:05:06". */
    private static String iptcDate(String raw) {
        Matcher m = raw == null ? null : IPTC_DATE.matcher(raw.strip());
        return m == null || !m.matches() ? raw : m.group(1) + ":" + m.group(2) + ":" + m.group(3);
    }

    /** IPTC's "143000+0200" as exiftool shows it, "14:30:00+02:00". */
    private static String iptcTime(String raw) {
        Matcher m = raw == null ? null : IPTC_TIME.matcher(raw.strip());
        if (m == null || !m.matches()) {
            return raw;
        }
        String time = m.group(1) + ":" + m.group(2) + ":" + m.group(3);
        return m.group(4) == null ? time : time + m.group(4) + ":" + m.group(5);
    }

    /** Copies text tags as they are, by the table. */
    private static void copy(Map<String, Object> tags, Metadata metadata, List<Text> table) {
        for (Text text : table) {
            Directory directory = metadata.getFirstDirectoryOfType(text.directory());
            if (directory != null) {
                put(tags, text.key(), directory.getString(text.tag()));
            }
        }
    }

    private static void put(Map<String, Object> tags, String key, Object value) {
        if (value != null && !String.valueOf(value).isBlank()) {
            tags.put(key, value);
        }
    }
}
