package io.mediapipeline.media;

import io.mediapipeline.proc.ToolRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says what a file really is (kind, format, size, rotation, place and time of capture) and refuses files that are
 * empty, not media, truncated or corrupt, with a reason a person can act on. Everything is decided from content,
 * never from the file name.
 *
 * <p>Tags of JPEG, PNG, HEIC/HEIF and MOV/MP4 files are read in-process ({@link LibraryTags}, metadata-extractor),
 * with no exiftool round trip; every other file, and any the library cannot read cleanly, is read by exiftool, and
 * the same code decides from either. ffprobe adds a video's container tags.
 *
 * <p>Checks: photos are fully decoded by ffmpeg, and when ffmpeg refuses one the JDK's ImageIO must refuse it too
 * (see {@link SecondReader}); when both refuse it is corrupt, unless its own tags show a feature neither decoder
 * implements ({@link DecoderGap}), when a sound structure by exiftool -validate keeps it, with a warning in the log;
 * HEIC/HEIF and camera RAW (CR2, CR3, NEF, ARW, RAF, ORF, RW2, DNG) cannot be decoded
 * by the ffmpeg in Debian bookworm (5.1 has no HEIF demuxer, and RAW sensor data is no picture to it), so for them,
 * and for rarer image types, a clean parse is the check: the in-process reader's, without errors and with the
 * ISO-BMFF boxes adding up to the file's length, or else exiftool's, with no error and no warning about truncation or
 * corruption (exiftool reports a cut-off HEIC as "Truncated 'mdat' data"). Videos must show ffprobe a video stream
 * with a size and a duration, must be whole by the same measure, and must decode for their first second.
 */
public final class MediaProbe {

    public static final Duration DEFAULT_TOOL_TIMEOUT = Duration.ofMinutes(2);

    private static final Logger LOG = LoggerFactory.getLogger(MediaProbe.class);

    private final ExifTool exif;
    private final String ffprobeBinary;
    private final String ffmpegBinary;
    private final ZoneId defaultZone;
    private final Duration toolTimeout;
    private final boolean inProcess;

    public MediaProbe(ExifTool exif, String ffprobeBinary, String ffmpegBinary, ZoneId defaultZone) {
        this(exif, ffprobeBinary, ffmpegBinary, defaultZone, DEFAULT_TOOL_TIMEOUT);
    }

    public MediaProbe(ExifTool exif, String ffprobeBinary, String ffmpegBinary, ZoneId defaultZone,
                      Duration toolTimeout) {
        this(exif, ffprobeBinary, ffmpegBinary, defaultZone, toolTimeout, true);
    }

    private MediaProbe(ExifTool exif, String ffprobeBinary, String ffmpegBinary, ZoneId defaultZone,
                       Duration toolTimeout, boolean inProcess) {
        this.exif = exif;
        this.ffprobeBinary = ffprobeBinary;
        this.ffmpegBinary = ffmpegBinary;
        this.defaultZone = defaultZone;
        this.toolTimeout = toolTimeout;
        this.inProcess = inProcess;
    }

    /** The same checks with every tag read by exiftool, as before the in-process reader: the reference it matches. */
    MediaProbe exifToolOnly() {
        return new MediaProbe(exif, ffprobeBinary, ffmpegBinary, defaultZone, toolTimeout, false);
    }

    /**
     * Inspects one file. A photo is never given to ffprobe (it adds nothing and cannot read HEIC here); a video is,
     * unless the caller already has its ffprobe result.
     *
     * @throws BadMediaException the file is unusable; the message is the reason for quarantine
     * @throws IOException       a tool could not be run or timed out; trying again later may work
     */
    public MediaInfo inspect(Path file, FfprobeResult ffprobeOrNull) throws BadMediaException, IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        if (!attributes.isRegularFile()) {
            throw new IOException("not a regular file: " + file);
        }
        if (attributes.size() == 0) {
            throw new BadMediaException("zero bytes");
        }
        Map<String, Object> tags = inProcess ? LibraryTags.read(file) : null;
        boolean fromLibrary = tags != null;
        if (!fromLibrary) {
            tags = exif.read(file);
        }
        MediaFormat format = MediaFormat.of(Tags.text(tags, "File:FileType"), Tags.text(tags, "File:MIMEType"),
                Tags.text(tags, "File:FileTypeExtension"));
        if (format == null) {
            throw new BadMediaException("not a photo or video (" + describe(tags) + ")");
        }
        Instant mtime = attributes.lastModifiedTime().toInstant();
        if (format.kind() == MediaKind.PHOTO) {
            return photo(file, format, tags, CaptureDates.pick(tags, defaultZone, mtime), ffprobeOrNull);
        }
        FfprobeResult probe = ffprobeOrNull != null ? ffprobeOrNull : ffprobe(file);
        if (fromLibrary) {
            tags = LibraryTags.withContainerTags(tags, probe);
        }
        return video(file, format, tags, CaptureDates.pick(tags, defaultZone, mtime), probe);
    }

    private FfprobeResult ffprobe(Path file) throws BadMediaException, IOException {
        try {
            return Ffprobe.run(ffprobeBinary, file, toolTimeout);
        } catch (BadMediaException e) {
            throw new BadMediaException("truncated or corrupt video: " + e.getMessage());
        }
    }

    private MediaInfo photo(Path file, MediaFormat format, Map<String, Object> tags, CaptureTime captured,
                            FfprobeResult probe) throws BadMediaException, IOException {
        int[] size = imageSize(tags);
        if (format.decoder() != null && !EndMarker.complete(file, format.format())) {
            // Only files that do not end the way a whole JPEG/PNG ends pay for a full decode (about 60 ms
            // of ffmpeg each): truncation is caught cheaply, and trailers (motion photos) still get a fair check.
            try {
                verifyDecodes(file, List.of("-err_detect", "explode", "-f", format.decoder()), List.of(), true,
                        "corrupt or truncated image: ");
            } catch (BadMediaException refused) {
                // one decoder is not a verdict: ffmpeg 5.1 refuses valid TIFFs over tags it does not know (e.g.
                // ResolutionUnit, which every ImageIO and many scanner TIFFs carry), so a second reader must agree
                String second = SecondReader.problem(file, format.format(), size);
                if (second != null) {
                    acceptUndecodable(file, format, tags, refused.getMessage() + "; " + second);
                }
            }
        } else {
            String problem = Tags.text(tags, "ExifTool:Error");
            if (problem == null) {
                problem = damageWarning(tags);
            }
            if (problem != null) {
                throw new BadMediaException("corrupt or truncated image: " + problem);
            }
        }
        Optional<FfprobeResult.Stream> stream = probe == null ? Optional.empty() : probe.videoStream();
        Integer width = size != null ? Integer.valueOf(size[0]) : stream.map(FfprobeResult.Stream::width).orElse(null);
        Integer height = size != null ? Integer.valueOf(size[1]) : stream.map(FfprobeResult.Stream::height).orElse(null);
        FfprobeResult.Position gps = gps(tags, null);
        return new MediaInfo(MediaKind.PHOTO, format.format(), format.extension(), format.mimeType(), width, height,
                null, orientationRotation(tags), gps != null, gps == null ? null : gps.latitude(),
                gps == null ? null : gps.longitude(), captured, make(tags, null), model(tags, null),
                livePhotoId(tags, null));
    }

    private MediaInfo video(Path file, MediaFormat format, Map<String, Object> tags, CaptureTime captured,
                            FfprobeResult probe) throws BadMediaException, IOException {
        FfprobeResult.Stream stream = probe.videoStream()
                .orElseThrow(() -> new BadMediaException("not a photo or video (" + format.format()
                        + " without a video stream)"));
        if (stream.width() == null || stream.height() == null) {
            throw new BadMediaException("corrupt video: no picture size");
        }
        Double duration = probe.videoDurationSeconds()
                .orElseThrow(() -> new BadMediaException("corrupt video: no duration"));
        String damage = damageWarning(tags);
        if (damage != null) {
            // e.g. a copy cut short after the index: ffprobe and the first second look fine, the rest is missing
            throw new BadMediaException("truncated or corrupt video: " + damage);
        }
        // one second of the first video stream catches garbage streams cheaply; audio is skipped because this ffmpeg
        // lacks decoders for some phone audio (e.g. Apple's spatial audio) that does not make the video bad
        verifyDecodes(file, List.of(), List.of("-map", "0:v:0", "-t", "1"), false, "corrupt video: ");

        Integer rotation = stream.rotation();
        if (rotation == null) {
            Double composite = Tags.number(tags, "Composite:Rotation");
            rotation = composite == null ? 0 : Ffprobe.normalize(composite);
        }
        FfprobeResult.Position gps = gps(tags, probe);
        return new MediaInfo(MediaKind.VIDEO, format.format(), format.extension(), format.mimeType(), stream.width(),
                stream.height(), duration, rotation, gps != null, gps == null ? null : gps.latitude(),
                gps == null ? null : gps.longitude(), captured, make(tags, probe), model(tags, probe),
                livePhotoId(tags, probe));
    }

    /**
     * Decodes with ffmpeg into nothing. For photos any error line counts (a JPEG cut in half makes the decoder report
     * "overread" yet exit 0 without -err_detect explode); for videos only a failed exit does, since -xerror stops at
     * the first real decode error and cosmetic complaints are common in valid phone videos.
     */
    private void verifyDecodes(Path file, List<String> inputOptions, List<String> outputOptions,
                               boolean anyErrorLine, String prefix) throws BadMediaException, IOException {
        String path = file.toAbsolutePath().toString();
        List<String> command = new ArrayList<>(List.of(ffmpegBinary, "-v", "error", "-nostdin", "-xerror"));
        command.addAll(inputOptions);
        command.addAll(List.of("-i", path));
        command.addAll(outputOptions);
        command.addAll(List.of("-f", "null", "-"));
        ToolRun.Result result = ToolRun.run(command, toolTimeout);
        String reason = ToolRun.firstLine(result.stderr(), path);
        if (result.exitCode() != 0 || (anyErrorLine && !reason.isEmpty())) {
            throw new BadMediaException(prefix + (reason.isEmpty() ? "decoder exit code " + result.exitCode() : reason));
        }
    }

    /** An exiftool warning that means the data is damaged; "[minor]" warnings are about metadata style, not data. */
    private static String damageWarning(Map<String, Object> tags) {
        String warnings = Tags.text(tags, "ExifTool:Warning");
        if (warnings == null) {
            return null;
        }
        for (String warning : warnings.split("; ")) {
            String lower = warning.toLowerCase(Locale.ROOT);
            if (!lower.startsWith("[minor]") && (lower.contains("truncated") || lower.contains("corrupt"))) {
                return warning;
            }
        }
        return null;
    }

    /**
     * Both decoders refused the image. That is damage, unless its own tags show a feature neither implements
     * ({@link DecoderGap}); then exiftool -validate, which walks the structure without decoding pixels, is the last
     * check, and a file it finds sound is kept with a warning that its pixels were never decoded: damaged pixel data
     * in such a file cannot be told from good here, and that is said rather than passed over.
     */
    private void acceptUndecodable(Path file, MediaFormat format, Map<String, Object> tags, String refusals)
            throws BadMediaException, IOException {
        String gap = DecoderGap.of(format.format(), tags);
        if (gap == null) {
            throw new BadMediaException(refusals);
        }
        String structural = structuralProblem(exif.validate(file));
        if (structural != null) {
            throw new BadMediaException(refusals + "; exiftool: " + structural);
        }
        LOG.warn("{}: kept unverified: no decoder here reads its pixels ({}), only its structure was checked; {}",
                file, gap, refusals);
    }

    /**
     * The first of exiftool -validate's findings that is about the data (a segment or strip that runs past the end,
     * a JPEG format error, truncation), or null when all are about metadata style: tags out of order, a required
     * tag missing, a value the baseline spec does not list, or a "[minor]" one.
     */
    static String structuralProblem(List<String> findings) {
        for (String finding : findings) {
            String lower = finding.toLowerCase(Locale.ROOT);
            boolean style = lower.startsWith("[minor]") || lower.contains("out of order")
                    || lower.contains("out of sequence") || lower.startsWith("missing required")
                    || lower.startsWith("invalid value for") || lower.startsWith("non-standard");
            if (!style) {
                return finding;
            }
        }
        return null;
    }

    private static String describe(Map<String, Object> tags) {
        String type = Tags.text(tags, "File:FileType");
        String mime = Tags.text(tags, "File:MIMEType");
        if (type == null) {
            return "unrecognised content";
        }
        if (mime != null && mime.startsWith("text/") || type.equals("TXT")) {
            return "content looks like text";
        }
        return "content looks like " + type;
    }

    private static int[] imageSize(Map<String, Object> tags) {
        String composite = Tags.text(tags, "Composite:ImageSize");
        if (composite != null) {
            String[] parts = composite.split("[ x]");
            if (parts.length == 2) {
                try {
                    return new int[] {(int) Double.parseDouble(parts[0]), (int) Double.parseDouble(parts[1])};
                } catch (NumberFormatException ignored) {
                    // fall through to the single tags
                }
            }
        }
        Double w = Tags.number(tags, "File:ImageWidth", "PNG:ImageWidth", "IFD0:ImageWidth");
        Double h = Tags.number(tags, "File:ImageHeight", "PNG:ImageHeight", "IFD0:ImageHeight");
        return w == null || h == null ? null : new int[] {w.intValue(), h.intValue()};
    }

    /** EXIF Orientation as clockwise degrees; mirrored variants keep their rotation and lose the mirror. */
    private static int orientationRotation(Map<String, Object> tags) {
        Double orientation = Tags.number(tags, "IFD0:Orientation", "XMP-tiff:Orientation");
        if (orientation == null) {
            return 0;
        }
        return switch (orientation.intValue()) {
            case 3, 4 -> 180;
            case 6, 7 -> 90;
            case 5, 8 -> 270;
            default -> 0;
        };
    }

    /** Signed decimal latitude/longitude from EXIF GPS, QuickTime GPSCoordinates or ffprobe's ISO 6709 tag. */
    private static FfprobeResult.Position gps(Map<String, Object> tags, FfprobeResult probe) {
        // exiftool's composite tags already combine the value with its N/S/E/W reference and cover QuickTime
        Double lat = Tags.number(tags, "Composite:GPSLatitude");
        Double lon = Tags.number(tags, "Composite:GPSLongitude");
        if (lat == null || lon == null) {
            lat = signed(Tags.number(tags, "GPS:GPSLatitude"), Tags.text(tags, "GPS:GPSLatitudeRef"), "S");
            lon = signed(Tags.number(tags, "GPS:GPSLongitude"), Tags.text(tags, "GPS:GPSLongitudeRef"), "W");
        }
        if ((lat == null || lon == null) && probe != null) {
            Optional<FfprobeResult.Position> position = probe.location();
            lat = position.map(FfprobeResult.Position::latitude).orElse(null);
            lon = position.map(FfprobeResult.Position::longitude).orElse(null);
        }
        if (lat == null || lon == null || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
            return null;
        }
        // cameras without a fix write 0/0; nobody photographs their family at Null Island
        if (lat == 0.0 && lon == 0.0) {
            return null;
        }
        return new FfprobeResult.Position(lat, lon);
    }

    private static Double signed(Double value, String ref, String negative) {
        if (value == null) {
            return null;
        }
        return ref != null && ref.toUpperCase(Locale.ROOT).startsWith(negative) ? -Math.abs(value) : value;
    }

    private static String make(Map<String, Object> tags, FfprobeResult probe) {
        String make = Tags.text(tags, "IFD0:Make", "Keys:Make", "UserData:Make", "ItemList:Make");
        return make != null || probe == null ? make : probe.formatTags().get("com.apple.quicktime.make");
    }

    private static String model(Map<String, Object> tags, FfprobeResult probe) {
        String model = Tags.text(tags, "IFD0:Model", "Keys:Model", "UserData:Model", "ItemList:Model");
        return model != null || probe == null ? model : probe.formatTags().get("com.apple.quicktime.model");
    }

    /**
     * The id that pairs a Live Photo's still with its movie. The movie has it as Apple's
     * com.apple.quicktime.content.identifier key; the still has it in Apple's maker notes, tag 0x0011, which exiftool
     * calls MediaGroupUUID since 12.19 and ContentIdentifier before.
     */
    static String livePhotoId(Map<String, Object> tags, FfprobeResult probe) {
        String id = Tags.text(tags, "Keys:ContentIdentifier", "Apple:MediaGroupUUID", "Apple:ContentIdentifier");
        return id != null || probe == null ? id : probe.formatTags().get("com.apple.quicktime.content.identifier");
    }
}
