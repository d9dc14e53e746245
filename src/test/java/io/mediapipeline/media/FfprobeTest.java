package io.mediapipeline.media;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FfprobeTest {

    // shaped like ffprobe 5.1 output for an iPhone portrait clip with cover art
    private static final String PORTRAIT_JSON = """
            {
              "streams": [
                { "index": 0, "codec_name": "hevc", "codec_type": "video", "width": 1920, "height": 1080,
                  "duration": "3.003000",
                  "disposition": { "default": 1, "attached_pic": 0 },
                  "tags": { "creation_time": "2023-07-01T00:15:00.000000Z" },
                  "side_data_list": [ { "side_data_type": "Display Matrix", "rotation": -90 } ] },
                { "index": 1, "codec_name": "aac", "codec_type": "audio", "duration": "3.000000" },
                { "index": 2, "codec_name": "mjpeg", "codec_type": "video", "width": 320, "height": 240,
                  "disposition": { "attached_pic": 1 } }
              ],
              "format": {
                "format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "3.010000",
                "tags": {
                  "creation_time": "2023-07-01T00:15:00.000000Z",
                  "com.apple.quicktime.location.ISO6709": "-33.8568+151.2153+012.000/",
                  "com.apple.quicktime.content.identifier": "ABC-123"
                }
              }
            }
            """;

    @Test
    void argumentsAreAPlainListEndingWithTheAbsolutePath() {
        assertThat(Ffprobe.args(Path.of("-odd name.mp4")))
                .containsExactly("-v", "error", "-print_format", "json", "-show_format", "-show_streams",
                        Path.of("-odd name.mp4").toAbsolutePath().toString());
    }

    @Test
    void portraitPhoneVideoIsParsed() {
        FfprobeResult result = Ffprobe.parse(PORTRAIT_JSON);

        FfprobeResult.Stream video = result.videoStream().orElseThrow();
        assertThat(video.codecName()).isEqualTo("hevc");
        assertThat(video.width()).isEqualTo(1920);
        assertThat(video.height()).isEqualTo(1080);
        assertThat(video.rotation()).isEqualTo(90);
        assertThat(result.videoDurationSeconds()).contains(3.003);
        assertThat(result.formatName()).startsWith("mov,mp4");
        assertThat(result.creationTime()).contains(Instant.parse("2023-07-01T00:15:00Z"));
        assertThat(result.location()).contains(new FfprobeResult.Position(-33.8568, 151.2153));
        assertThat(result.formatTags()).containsEntry("com.apple.quicktime.content.identifier", "ABC-123");
    }

    @Test
    void legacyRotateTagIsClockwiseAndUnknownDurationIsAbsent() {
        FfprobeResult result = Ffprobe.parse("""
                { "streams": [ { "index": 0, "codec_type": "video", "width": 640, "height": 480,
                                 "duration": "N/A", "tags": { "rotate": "270" } } ],
                  "format": { "format_name": "avi", "duration": "N/A", "tags": { "location": "+48.8584+002.2945/" } } }
                """);

        assertThat(result.videoStream().orElseThrow().rotation()).isEqualTo(270);
        assertThat(result.videoDurationSeconds()).isEmpty();
        assertThat(result.location()).contains(new FfprobeResult.Position(48.8584, 2.2945));
        assertThat(result.creationTime()).isEmpty();
    }

    @Test
    void rotationsSnapToQuarterTurns() {
        assertThat(Ffprobe.normalize(90)).isEqualTo(90);
        assertThat(Ffprobe.normalize(-90)).isEqualTo(270);
        assertThat(Ffprobe.normalize(-180)).isEqualTo(180);
        assertThat(Ffprobe.normalize(-270)).isEqualTo(90);
        assertThat(Ffprobe.normalize(360)).isZero();
        assertThat(Ffprobe.normalize(89.9)).isEqualTo(90);
    }

    @Test
    void notJsonIsRejected() {
        assertThatThrownBy(() -> Ffprobe.parse("moov atom not found")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unreadableFileGivesFfprobesReasonWithoutPathOrNoise(@TempDir Path dir) throws Exception {
        Path mp4 = Files.writeString(dir.resolve("notes.mp4"), "shopping list\n");
        Path bin = Files.writeString(dir.resolve("notes.bin"), "shopping list\n");

        assertThatThrownBy(() -> Ffprobe.run("ffprobe", mp4, Duration.ofSeconds(30)))
                .isInstanceOf(BadMediaException.class)
                .hasMessage("moov atom not found");
        assertThatThrownBy(() -> Ffprobe.run("ffprobe", bin, Duration.ofSeconds(30)))
                .isInstanceOf(BadMediaException.class)
                .hasMessage("Invalid data found when processing input");
    }
}
