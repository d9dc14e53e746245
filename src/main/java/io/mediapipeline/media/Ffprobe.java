package io.mediapipeline.media;

import io.mediapipeline.proc.ToolRun;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place that builds ffprobe arguments and reads its JSON, so every route probes files the same way and can
 * pass the parsed result along instead of probing again.
 */
public final class Ffprobe {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Ffprobe() {
    }

    /**
     * Arguments after the ffprobe binary, for exec-style callers; no shell, so no quoting. The path is made absolute so
     * a name starting with "-" or looking like "proto:..." is still read as a plain file.
     */
    public static List<String> args(Path file) {
        return List.of("-v", "error", "-print_format", "json", "-show_format", "-show_streams",
                file.toAbsolutePath().toString());
    }

    /**
     * Runs ffprobe on a file. A non-zero exit means ffprobe could not read the file (e.g. "moov atom not found") and
     * becomes a BadMediaException with ffprobe's first error line; failing to start or finish is an IOException.
     */
    public static FfprobeResult run(String ffprobeBinary, Path file, Duration timeout)
            throws BadMediaException, IOException {
        List<String> command = new ArrayList<>();
        command.add(ffprobeBinary);
        command.addAll(args(file));
        ToolRun.Result result = ToolRun.run(command, timeout);
        if (result.exitCode() != 0) {
            String reason = ToolRun.firstLine(result.stderr(), file.toAbsolutePath().toString());
            throw new BadMediaException(reason.isEmpty() ? "ffprobe failed with exit code " + result.exitCode() : reason);
        }
        try {
            return parse(result.stdout());
        } catch (IllegalArgumentException e) {
            throw new IOException("unreadable ffprobe output for " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses ffprobe's {@code -print_format json -show_format -show_streams} output.
     *
     * @throws IllegalArgumentException if it is not a JSON object
     */
    public static FfprobeResult parse(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        List<FfprobeResult.Stream> streams = new ArrayList<>();
        for (JsonNode s : root.path("streams")) {
            streams.add(new FfprobeResult.Stream(
                    s.path("index").asInt(streams.size()),
                    text(s, "codec_type"),
                    text(s, "codec_name"),
                    positiveInt(s, "width"),
                    positiveInt(s, "height"),
                    number(s, "duration"),
                    rotation(s),
                    s.path("disposition").path("attached_pic").asInt(0) == 1,
                    number(s, "bit_rate"),
                    tags(s.path("tags"))));
        }
        JsonNode format = root.path("format");
        return new FfprobeResult(text(format, "format_name"), number(format, "duration"), number(format, "bit_rate"),
                tags(format.path("tags")), streams);
    }

    /**
     * Clockwise degrees. ffprobe's display-matrix "rotation" is counter-clockwise (an iPhone portrait video says -90),
     * while the legacy "rotate" tag is clockwise (the same video says 90); both end up as 90 here.
     */
    private static Integer rotation(JsonNode stream) {
        for (JsonNode side : stream.path("side_data_list")) {
            if (side.has("rotation")) {
                return normalize(-side.path("rotation").asDouble());
            }
        }
        JsonNode rotate = stream.path("tags").path("rotate");
        if (!rotate.isMissingNode()) {
            try {
                return normalize(Double.parseDouble(rotate.asText()));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    static int normalize(double degrees) {
        long quarter = Math.round(degrees / 90.0);
        return (int) (((quarter % 4) + 4) % 4) * 90;
    }

    private static Map<String, String> tags(JsonNode node) {
        Map<String, String> tags = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
        return tags;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Integer positiveInt(JsonNode node, String field) {
        int value = node.path(field).asInt(0);
        return value > 0 ? value : null;
    }

    private static Double number(JsonNode node, String field) {
        // ffprobe prints durations as strings ("1.000000") and "N/A" when unknown
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        try {
            double d = value.isNumber() ? value.asDouble() : Double.parseDouble(value.asText());
            return Double.isFinite(d) ? d : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
