package io.mediapipeline.media;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What ffprobe said about a file, reduced to the fields the pipeline decides on, so routes can keep it in a header
 * and stages do not probe the same file twice.
 *
 * @param formatName      ffprobe's demuxer list, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
 * @param durationSeconds container duration, or null
 * @param bitRate         container bit rate in bit/s, or null
 * @param formatTags      container tags such as creation_time or com.apple.quicktime.location.ISO6709
 */
public record FfprobeResult(String formatName, Double durationSeconds, Double bitRate, Map<String, String> formatTags,
                            List<Stream> streams) {

    private static final Pattern ISO6709 = Pattern.compile("^([+-]\\d+(?:\\.\\d+)?)([+-]\\d+(?:\\.\\d+)?)");

    public FfprobeResult {
        formatTags = Map.copyOf(formatTags);
        streams = List.copyOf(streams);
    }

    /**
     * One stream.
     *
     * @param rotation        clockwise degrees (0/90/180/270) from the display matrix or the legacy rotate tag
     * @param attachedPicture cover art inside a video container, which is not the video itself
     * @param bitRate         the stream's bit rate in bit/s, or null when the container does not say
     */
    public record Stream(int index, String codecType, String codecName, Integer width, Integer height,
                         Double durationSeconds, Integer rotation, boolean attachedPicture, Double bitRate,
                         Map<String, String> tags) {
        public Stream {
            tags = Map.copyOf(tags);
        }
    }

    /** A latitude/longitude pair in signed decimal degrees. */
    public record Position(double latitude, double longitude) {
    }

    /** The first real video stream (not cover art). */
    public Optional<Stream> videoStream() {
        return streams.stream()
                .filter(s -> "video".equals(s.codecType()) && !s.attachedPicture())
                .findFirst();
    }

    /** Video duration, falling back to the container's when the stream does not say. */
    public Optional<Double> videoDurationSeconds() {
        return videoStream().map(Stream::durationSeconds).filter(d -> d > 0)
                .or(() -> Optional.ofNullable(durationSeconds).filter(d -> d > 0));
    }

    /** The container's creation_time, which MP4/MOV store in UTC. */
    public Optional<Instant> creationTime() {
        String value = formatTags.get("creation_time");
        if (value == null) {
            value = videoStream().map(s -> s.tags().get("creation_time")).orElse(null);
        }
        if (value == null) {
            return Optional.empty();
        }
        try {
            Instant instant = OffsetDateTime.parse(value).toInstant();
            // 1904-01-01 or 1970-01-01 is an unset mvhd date, not a capture time
            return instant.isAfter(Instant.parse("1971-01-01T00:00:00Z")) ? Optional.of(instant) : Optional.empty();
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Where the video was shot, from the ISO 6709 location tag (Apple's or the 3GP/Android one). */
    public Optional<Position> location() {
        String value = formatTags.get("com.apple.quicktime.location.ISO6709");
        if (value == null) {
            value = formatTags.get("location");
        }
        return value == null ? Optional.empty() : parseIso6709(value);
    }

    static Optional<Position> parseIso6709(String value) {
        Matcher m = ISO6709.matcher(value.strip());
        if (!m.find()) {
            return Optional.empty();
        }
        double latitude = Double.parseDouble(m.group(1));
        double longitude = Double.parseDouble(m.group(2));
        if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
            return Optional.empty();
        }
        return Optional.of(new Position(latitude, longitude));
    }
}
