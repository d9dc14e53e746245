package io.mediapipeline.media;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides when a file was captured from its exiftool tags, kept free of processes so the precedence can be
 * tested from a plain map. Order:
 * <ol>
 *   <li>EXIF DateTimeOriginal, with OffsetTimeOriginal when present (else the configured zone); then XMP's copy</li>
 *   <li>Apple's Keys:CreationDate, which carries the phone's offset</li>
 *   <li>QuickTime CreateDate, UTC by the QuickTime spec, shown in the configured zone; the all-zero placeholder is
 *       skipped</li>
 *   <li>EXIF CreateDate (DateTimeDigitized), for scans and cameras without DateTimeOriginal</li>
 *   <li>EXIF ModifyDate, then QuickTime ModifyDate (UTC)</li>
 *   <li>IPTC DateCreated with TimeCreated, then IPTC DigitalCreationDate with DigitalCreationTime: what scanners,
 *       Lightroom and Photoshop exports often carry when the EXIF dates were stripped; the time's own offset when it
 *       has one, else the configured zone; a date without a time is that day's midnight in the configured zone</li>
 *   <li>XMP photoshop:DateCreated, then XMP xmp:CreateDate, read like EXIF dates (their offset, else the configured
 *       zone); a bare day is that day's midnight in the configured zone</li>
 *   <li>a camera maker's own date in its maker notes (Canon, Nikon, Sony, Panasonic, ... TimeStamp or DateTime
 *       tags, in the file's order), for cameras that keep no standard one; only exiftool reads maker notes, so the
 *       in-process reader hands such files to it</li>
 *   <li>the file's mtime</li>
 * </ol>
 * The inode change time (ctime, exiftool's FileInodeChangeDate) is never used: it changes on every copy or chmod.
 */
public final class CaptureDates {

    public static final String FILE_MTIME = "File:mtime";

    // "2023:07:01 09:15:00", optional fraction, optional "Z"/"+09:00"/"+0900"; '-' and 'T' are accepted as XMP writes them
    private static final Pattern DATE = Pattern.compile(
            "^(\\d{4})[:-](\\d{2})[:-](\\d{2})[ T](\\d{2}):(\\d{2})(?::(\\d{2}))?(?:\\.\\d+)?\\s*(Z|[+-]\\d{2}:?\\d{2})?");
    private static final Pattern DAY = Pattern.compile("^\\d{4}[:-]\\d{2}[:-]\\d{2}$");
    /** exiftool's family-1 groups of maker notes, and their capture-date tag names. */
    private static final List<String> MAKERS = List.of("Canon", "Nikon", "Sony", "Panasonic", "Olympus", "Pentax",
            "FujiFilm", "Samsung", "Kodak", "Casio", "Minolta", "Sigma", "Ricoh", "Leica", "Sanyo", "GE", "HP");
    private static final Pattern MAKER_NOTE_DATE = Pattern.compile(
            "DateTimeOriginal|TimeStamp|DateTimeStamp|[A-Za-z]*DateTime|CreateDate");
    private static final Pattern OFFSET = Pattern.compile("^\\s*(Z|[+-]\\d{2}:?\\d{2})\\s*$");

    private CaptureDates() {
    }

    /** The capture time, falling back to mtime; never empty. */
    public static CaptureTime pick(Map<String, Object> tags, ZoneId defaultZone, Instant mtime) {
        return fromTags(tags, defaultZone)
                .orElseGet(() -> new CaptureTime(OffsetDateTime.ofInstant(mtime, defaultZone), FILE_MTIME, false));
    }

    /** The capture time recorded inside the file, if any. */
    public static Optional<CaptureTime> fromTags(Map<String, Object> tags, ZoneId defaultZone) {
        return local(tags, "ExifIFD:DateTimeOriginal", "ExifIFD:OffsetTimeOriginal", "EXIF:DateTimeOriginal", defaultZone)
                .or(() -> local(tags, "XMP-exif:DateTimeOriginal", null, "XMP:DateTimeOriginal", defaultZone))
                .or(() -> local(tags, "Keys:CreationDate", null, "Keys:CreationDate", defaultZone))
                .or(() -> utc(tags, "QuickTime:CreateDate", "QuickTime:CreateDate", defaultZone))
                .or(() -> local(tags, "ExifIFD:CreateDate", "ExifIFD:OffsetTimeDigitized", "EXIF:CreateDate", defaultZone))
                .or(() -> local(tags, "IFD0:ModifyDate", "ExifIFD:OffsetTime", "EXIF:ModifyDate", defaultZone))
                .or(() -> utc(tags, "QuickTime:ModifyDate", "QuickTime:ModifyDate", defaultZone))
                .or(() -> iptc(tags, "IPTC:DateCreated", "IPTC:TimeCreated", defaultZone))
                .or(() -> iptc(tags, "IPTC:DigitalCreationDate", "IPTC:DigitalCreationTime", defaultZone))
                .or(() -> xmp(tags, "XMP-photoshop:DateCreated", defaultZone))
                .or(() -> xmp(tags, "XMP-xmp:CreateDate", defaultZone))
                .or(() -> makerNote(tags, defaultZone));
    }

    /** The first maker-note date tag, read like an EXIF date; the key (e.g. "Sony:SonyDateTime") is the source. */
    private static Optional<CaptureTime> makerNote(Map<String, Object> tags, ZoneId defaultZone) {
        for (String key : tags.keySet()) {
            int colon = key.indexOf(':');
            if (colon > 0 && MAKER_NOTE_DATE.matcher(key.substring(colon + 1)).matches()
                    && MAKERS.stream().anyMatch(key.substring(0, colon)::startsWith)) {
                Optional<CaptureTime> found = local(tags, key, null, key, defaultZone);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    /** An XMP date: a full date-time like EXIF's, or (photoshop:DateCreated allows it) a bare day. */
    private static Optional<CaptureTime> xmp(Map<String, Object> tags, String key, ZoneId defaultZone) {
        return local(tags, key, null, key, defaultZone).or(() -> iptc(tags, key, null, defaultZone));
    }

    /**
     * IPTC keeps the date ("2019:05:06") and the time ("14:30:00+02:00", or "14:30:00" from writers that leave the
     * offset out) in two tags. Recorded under the date tag's name.
     */
    private static Optional<CaptureTime> iptc(Map<String, Object> tags, String dateKey, String timeKey,
                                              ZoneId defaultZone) {
        String date = Tags.text(tags, dateKey);
        if (date == null || !DAY.matcher(date.strip()).matches()) {
            return Optional.empty();
        }
        String time = timeKey == null ? null : Tags.text(tags, timeKey);
        String combined = date.strip() + " " + (time == null || time.isBlank() ? "00:00:00" : time.strip());
        Optional<CaptureTime> withTime = local(Map.of(dateKey, combined), dateKey, null, dateKey, defaultZone);
        if (withTime.isPresent() || time == null || time.isBlank()) {
            return withTime;
        }
        // an unreadable time still leaves the day, which beats the day the file was copied
        return local(Map.of(dateKey, date.strip() + " 00:00:00"), dateKey, null, dateKey, defaultZone);
    }

    /** A wall-clock date: its own offset, else the offset tag, else the configured zone (then not from the file). */
    private static Optional<CaptureTime> local(Map<String, Object> tags, String key, String offsetKey, String source,
                                               ZoneId defaultZone) {
        Optional<Parsed> parsed = parse(Tags.text(tags, key));
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        LocalDateTime wallClock = parsed.get().dateTime();
        ZoneOffset offset = parsed.get().offset();
        if (offset == null && offsetKey != null) {
            offset = parseOffset(Tags.text(tags, offsetKey)).orElse(null);
        }
        if (offset != null) {
            return Optional.of(new CaptureTime(OffsetDateTime.of(wallClock, offset), source, true));
        }
        return Optional.of(new CaptureTime(wallClock.atZone(defaultZone).toOffsetDateTime(), source, false));
    }

    /** A QuickTime date, stored in UTC, shown in the configured zone so it sorts into the day the user lived. */
    private static Optional<CaptureTime> utc(Map<String, Object> tags, String key, String source, ZoneId defaultZone) {
        return parse(Tags.text(tags, key)).map(p -> {
            ZoneOffset offset = p.offset() != null ? p.offset() : ZoneOffset.UTC;
            Instant instant = p.dateTime().toInstant(offset);
            return new CaptureTime(OffsetDateTime.ofInstant(instant, defaultZone), source, false);
        });
    }

    private record Parsed(LocalDateTime dateTime, ZoneOffset offset) {
    }

    private static Optional<Parsed> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        Matcher m = DATE.matcher(value.strip());
        if (!m.find()) {
            return Optional.empty();
        }
        int year = Integer.parseInt(m.group(1));
        // "0000:00:00 00:00:00" is what cameras and QuickTime write when no date was set
        if (year < 1800) {
            return Optional.empty();
        }
        try {
            LocalDateTime dateTime = LocalDateTime.of(year, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                    Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)),
                    m.group(6) == null ? 0 : Integer.parseInt(m.group(6)));
            return Optional.of(new Parsed(dateTime, m.group(7) == null ? null : toOffset(m.group(7))));
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<ZoneOffset> parseOffset(String value) {
        if (value == null) {
            return Optional.empty();
        }
        Matcher m = OFFSET.matcher(value);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(toOffset(m.group(1)));
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }

    private static ZoneOffset toOffset(String text) {
        if (text.equals("Z")) {
            return ZoneOffset.UTC;
        }
        String digits = text.replace(":", "");
        return ZoneOffset.ofHoursMinutes(Integer.parseInt(digits.substring(0, 3)),
                Integer.parseInt(text.charAt(0) + digits.substring(3, 5)));
    }
}
