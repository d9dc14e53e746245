package io.mediapipeline.pixel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.media.Hasher;
import io.mediapipeline.support.RequiredTools;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Live Photo pair made with the real tools becomes one Motion Photo that Google's readers can take apart: the XMP
 * read back by exiftool (which knows nothing of these tags, so the check does not lean on the writer's config) says
 * MotionPhoto=1 and gives the video's Length; the bytes that Length marks at the end of the file are an MP4 that
 * ffprobe reads as a video of the movie's duration; and the still part decodes and keeps its capture date and GPS.
 */
class MotionPhotoTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PixelConfig.Motion TOOLS = new PixelConfig.Motion(true, "ffmpeg", "ffprobe", "exiftool",
            "heif-convert", Duration.ofSeconds(60));

    @TempDir
    Path tmp;

    private Path still(String name) {
        Tools.run(tmp, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120", "-frames:v", "1", name);
        Tools.run(tmp, "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2024:05:02 12:15:00",
                "-GPSLatitude=48.137", "-GPSLatitudeRef=N", "-GPSLongitude=11.575", "-GPSLongitudeRef=E",
                "-Make=Apple", "-Model=iPhone 12", name);
        return tmp.resolve(name);
    }

    /** A QuickTime movie with H.264 video and AAC audio. */
    private Path movie(String name, int seconds) {
        return movie(name, seconds, "libx264");
    }

    /** A QuickTime movie with AAC audio and video by {@code encoder} (an iPhone's is HEVC, tagged hvc1). */
    private Path movie(String name, int seconds, String encoder) {
        Tools.run(tmp, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-f", "lavfi",
                "-i", "sine=frequency=440:sample_rate=44100", "-t", String.valueOf(seconds), "-c:v", encoder,
                "-tag:v", encoder.equals("libx265") ? "hvc1" : "avc1", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-f", "mov", name);
        return tmp.resolve(name);
    }

    private static JsonNode exif(Path file, String... tags) {
        String[] cmd = new String[tags.length + 5];
        cmd[0] = "exiftool";
        cmd[1] = "-j";
        cmd[2] = "-n";
        cmd[3] = "-struct";
        System.arraycopy(tags, 0, cmd, 4, tags.length);
        cmd[cmd.length - 1] = file.toString();
        try {
            return JSON.readTree(Tools.run(file.getParent(), cmd)).get(0);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Checks the Motion Photo as a reader would, and returns the embedded video (extracted next to it). */
    private Path verify(MotionPhoto.Built mp, double movieSeconds) throws Exception {
        Path file = mp.file();
        assertThat(file.getFileName().toString()).matches("[^\\s/\\\\][^/\\\\]*MP\\.(JPG|jpg|JPEG|jpeg)");
        assertThat(Files.size(file)).isEqualTo(mp.size());
        assertThat(Hasher.sha256(file)).isEqualTo(mp.sha256());

        JsonNode xmp = exif(file, "-XMP:all");
        assertThat(xmp.path("MotionPhoto").asInt()).isEqualTo(1);
        assertThat(xmp.path("MotionPhotoVersion").asInt()).isEqualTo(1);
        assertThat(xmp.path("MotionPhotoPresentationTimestampUs").asLong())
                .as("the middle of the clip").isBetween(900_000L, 1_100_000L);
        JsonNode items = xmp.path("Directory");
        assertThat(items).hasSize(2);
        JsonNode primary = items.get(0).path("Item");
        JsonNode video = items.get(1).path("Item");
        assertThat(primary.path("Semantic").asText()).isEqualTo("Primary");
        assertThat(primary.path("Mime").asText()).isEqualTo("image/jpeg");
        assertThat(video.path("Semantic").asText()).isEqualTo("MotionPhoto");
        assertThat(video.path("Mime").asText()).isEqualTo("video/mp4");
        long length = video.path("Length").asLong();
        assertThat(length).isEqualTo(mp.videoLength()).isPositive();
        String raw = Tools.run(tmp, "exiftool", "-b", "-XMP", file.toString());
        assertThat(raw).as("attributes, the form Pixel cameras write").contains("Item:Semantic='MotionPhoto'")
                .contains("GCamera:MotionPhoto='1'");

        // the video is the last Length bytes; the still is everything before them (primary + padding)
        byte[] all = Files.readAllBytes(file);
        int videoStart = (int) (all.length - length);
        assertThat(videoStart + 0L).isEqualTo(JpegEnd.primaryLength(file) + primary.path("Padding").asLong());
        Path embedded = Files.write(tmp.resolve(file.getFileName() + "-video.mp4"), Arrays.copyOfRange(all, videoStart, all.length));
        JsonNode probe = JSON.readTree(Tools.run(tmp, "ffprobe", "-v", "error", "-print_format", "json", "-show_format",
                "-show_streams", embedded.toString()));
        assertThat(probe.path("format").path("format_name").asText()).contains("mp4");
        assertThat(probe.path("streams")).anySatisfy(s -> assertThat(s.path("codec_type").asText()).isEqualTo("video"));
        assertThat(probe.path("format").path("duration").asDouble()).isCloseTo(movieSeconds, org.assertj.core.data.Offset.offset(0.2));

        Path stillPart = Files.write(tmp.resolve(file.getFileName() + "-still.jpg"), Arrays.copyOfRange(all, 0, videoStart));
        Tools.run(tmp, "ffmpeg", "-v", "error", "-i", stillPart.toString(), "-f", "null", "-");
        JsonNode tags = exif(file, "-DateTimeOriginal", "-GPSLatitude", "-GPSLongitude", "-ImageWidth");
        assertThat(tags.path("DateTimeOriginal").asText()).isEqualTo("2024:05:02 12:15:00");
        assertThat(tags.path("GPSLatitude").asDouble()).isCloseTo(48.137, org.assertj.core.data.Offset.offset(1e-3));
        assertThat(tags.path("GPSLongitude").asDouble()).isCloseTo(11.575, org.assertj.core.data.Offset.offset(1e-3));
        assertThat(tags.path("ImageWidth").asInt()).isEqualTo(160);
        return embedded;
    }

    @Test
    void jpegStillAndMovBecomeOneMotionPhotoThatReadsBack() throws Exception {
        Path still = still("IMG_0200.JPG");
        Path movie = movie("IMG_0200.MOV", 2);
        byte[] stillBefore = Files.readAllBytes(still);
        Path batch = tmp.resolve("bridge/batch-1");

        MotionPhoto.Built mp = new MotionPhoto(TOOLS).build(still, movie, batch, "IMG_0200.JPG", "IMG_0200.MOV");

        assertThat(mp.file()).isEqualTo(batch.resolve("IMG_0200.MP.jpg"));
        assertThat(mp.file()).as("no name for the phone before the ledger records it").doesNotExist();
        try (var s = Files.list(batch)) {
            assertThat(s.map(p -> p.getFileName().toString())).as("only its dot temp, which Syncthing ignores")
                    .containsExactly(".IMG_0200.MP.jpg.mp-tmp");
        }
        new MotionPhoto(TOOLS).publish(mp);
        verify(mp, 2.0);
        assertThat(Files.readAllBytes(still)).as("the original still is untouched").isEqualTo(stillBefore);
        try (var s = Files.list(batch)) {
            assertThat(s.map(p -> p.getFileName().toString())).as("no temp left in the batch")
                    .containsExactly("IMG_0200.MP.jpg");
        }
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(mp.file())))
                .as("read-only, like the staged originals").isEqualTo("r--r--r--");

        // built again (a crash before the ledger row): the same bytes, the same name, nothing new
        MotionPhoto.Built again = new MotionPhoto(TOOLS).build(still, movie, batch, "IMG_0200.JPG", "IMG_0200.MOV");
        assertThat(again.file()).isEqualTo(mp.file());
        assertThat(again.sha256()).isEqualTo(mp.sha256());
        assertThat(again.temp()).as("the name already holds these bytes").isNull();
        // another Live Photo with the same name in the same batch keeps the Motion Photo pattern
        MotionPhoto.Built second = new MotionPhoto(TOOLS).build(still, movie("other.mov", 1), batch, "IMG_0200.JPG", "IMG_0200.MOV");
        assertThat(second.file()).isEqualTo(batch.resolve("IMG_0200_1.MP.jpg"));
    }

    @Test
    void whereHardLinksAreRefusedTheMotionPhotoIsRenamedToItsName() throws Exception {
        Path still = still("IMG_0210.JPG");
        Path movie = movie("IMG_0210.MOV", 2);
        Path batch = tmp.resolve("bridge/batch-2");
        MotionPhoto noLinks = new MotionPhoto(TOOLS, false);

        MotionPhoto.Built mp = noLinks.build(still, movie, batch, "IMG_0210.JPG", "IMG_0210.MOV");
        noLinks.publish(mp);

        verify(mp, 2.0);
        try (var s = Files.list(batch)) {
            assertThat(s.map(p -> p.getFileName().toString())).as("its name only, no temp left")
                    .containsExactly("IMG_0210.MP.jpg");
        }
        noLinks.publish(mp); // repeated (a retry after a crash): nothing changes
        assertThat(Hasher.sha256(mp.file())).isEqualTo(mp.sha256());
    }

    @Test
    void aRecordedMotionPhotoLeftUnderItsTempGetsItsNameAndAnUnrecordedOneIsSwept() throws Exception {
        Path batch = Files.createDirectories(tmp.resolve("bridge/20261202-111111-abcd"));
        Path recorded = batch.resolve("IMG_0500.MP.jpg");
        Files.writeString(MotionPhoto.tempFor(recorded), "recorded motion photo");
        Path unrecorded = Files.writeString(MotionPhoto.tempFor(batch.resolve("IMG_0501.MP.jpg")), "never recorded");
        String sha = Hasher.sha256(MotionPhoto.tempFor(recorded));

        assertThat(MotionPhoto.recover(recorded, sha)).isEqualTo(MotionPhoto.Recovered.FINISHED);
        assertThat(MotionPhoto.recover(recorded, sha)).isEqualTo(MotionPhoto.Recovered.IN_PLACE);
        assertThat(MotionPhoto.recover(batch.resolve("IMG_0502.MP.jpg"), sha)).isEqualTo(MotionPhoto.Recovered.LOST);
        assertThat(MotionPhoto.sweep(tmp.resolve("bridge"))).isEqualTo(1);

        assertThat(recorded).hasContent("recorded motion photo");
        assertThat(unrecorded).doesNotExist();
        try (var s = Files.list(batch)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("IMG_0500.MP.jpg");
        }
    }

    @Test
    void whatACrashLeftOfABuildIsSweptAndNothingElse() throws Exception {
        Path batch = Files.createDirectories(tmp.resolve("bridge/20261202-101010-abcd"));
        Path leftover = Files.createDirectories(batch.resolve(".0f4c2d1e-crash.mp-tmp"));
        Files.writeString(leftover.resolve("still.jpg"), "half");
        Path staged = Files.writeString(batch.resolve("IMG_0001.MP.jpg"), "staged");

        assertThat(MotionPhoto.sweep(tmp.resolve("bridge"))).isEqualTo(1);
        assertThat(leftover).doesNotExist();
        assertThat(staged).hasContent("staged");
    }

    @Test
    void iphoneLikeHeicStillAndHevcMovieAreConvertedAndKeepTheirTags() throws Exception {
        RequiredTools.need(Tools.onPath("heif-enc"), "heif-enc (libheif-examples, makes the HEIC still)");
        Path jpeg = still("src.jpg");
        Tools.run(tmp, "heif-enc", "-q", "60", "-o", "IMG_0300.HEIC", jpeg.toString());
        Path movie = movie("IMG_0300.MOV", 2, "libx265");

        MotionPhoto.Built mp = new MotionPhoto(TOOLS).build(tmp.resolve("IMG_0300.HEIC"), movie, tmp.resolve("b"), "IMG_0300.HEIC", "IMG_0300.MOV");
        new MotionPhoto(TOOLS).publish(mp);

        assertThat(mp.file().getFileName().toString()).isEqualTo("IMG_0300.MP.jpg");
        Path embedded = verify(mp, 2.0);
        assertThat(exif(mp.file(), "-Make", "-Model").path("Model").asText()).isEqualTo("iPhone 12");
        assertThat(Tools.run(tmp, "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                "stream=codec_name,codec_tag_string", "-of", "csv=p=0", embedded.toString()).strip())
                .as("tagged for Android and Apple players").isEqualTo("hevc,hvc1");
        assertThat(packetHashes(embedded)).as("the HEVC packets as they were, not re-encoded").hasSize(20)
                .isEqualTo(packetHashes(movie));
    }

    /** The MD5 of each video packet, in order (ffmpeg's framemd5 of a stream copy). */
    private java.util.List<String> packetHashes(Path video) {
        return Tools.run(tmp, "ffmpeg", "-v", "error", "-i", video.toString(), "-map", "0:v:0", "-c", "copy", "-f",
                "framemd5", "-").lines().filter(l -> !l.startsWith("#")).map(l -> l.substring(l.lastIndexOf(',') + 1).strip())
                .toList();
    }

    @Test
    void aMovieThatIsNoVideoCannotBeCombinedAndLeavesNothing() throws Exception {
        Path still = still("IMG_0400.JPG");
        Path notVideo = Files.write(tmp.resolve("IMG_0400.MOV"), "not a movie at all".getBytes());
        Path batch = tmp.resolve("b");

        assertThatThrownBy(() -> new MotionPhoto(TOOLS).build(still, notVideo, batch, "IMG_0400.JPG", "IMG_0400.MOV"))
                .isInstanceOf(MotionPhoto.CannotCombine.class).hasMessageContaining("IMG_0400.MOV");
        try (var s = Files.list(batch)) {
            assertThat(s).as("no file and no temp left").isEmpty();
        }
    }
}
