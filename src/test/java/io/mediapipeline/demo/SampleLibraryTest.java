package io.mediapipeline.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.media.MediaKind;
import io.mediapipeline.demo.SampleLibrary.Manifest;
import io.mediapipeline.demo.SampleLibrary.Outcome;
import io.mediapipeline.demo.SampleLibrary.SampleFile;
import io.mediapipeline.support.RequiredTools;
import io.mediapipeline.support.Tools;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks with the real exiftool and ffprobe that the sample library holds what its manifest promises. */
class SampleLibraryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Manifest manifest;
    static long generationMillis;
    static Map<String, JsonNode> exif;

    @BeforeAll
    static void generate() throws Exception {
        long start = System.nanoTime();
        manifest = SampleLibrary.generate(dir.resolve("library"), "ffmpeg", "exiftool");
        generationMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        exif = readExif(manifest);
    }

    @Test
    void libraryHoldsExactlyTheManifestAndStaysSmall() throws IOException {
        Set<String> onDisk;
        long bytes;
        try (Stream<Path> walk = Files.walk(manifest.root())) {
            List<Path> regular = walk.filter(Files::isRegularFile).toList();
            onDisk = regular.stream().map(p -> manifest.root().relativize(p).toString())
                    .collect(Collectors.toSet());
            bytes = 0;
            for (Path p : regular) {
                bytes += Files.size(p);
            }
        }
        assertThat(onDisk)
                .containsExactlyInAnyOrderElementsOf(manifest.files().stream().map(SampleFile::path).toList());
        assertThat(onDisk)
                .contains("Beach day – été.jpg", "copies/IMG_1001 copy.JPG", "IMG_0100.JPG", "IMG_0100.MOV");
        assertThat(bytes).isLessThan(5L * 1024 * 1024);
        System.out.printf("sample library generated in %d ms%n", generationMillis); // speed is bench/'s job
        assertThat(manifest.files().stream().filter(f -> f.kind() == MediaKind.VIDEO)).hasSize(3);
        assertThat(manifest.withOutcome(Outcome.QUARANTINE)).extracting(SampleFile::path)
                .containsExactlyInAnyOrder("broken.jpg", "empty.jpg");
    }

    @Test
    void everyPromisedTagIsReallyWritten() {
        for (SampleFile file : manifest.files()) {
            JsonNode found = exif.get(file.path());
            file.tags().forEach((tag, value) -> assertThat(found.path(tag).asText())
                    .as("%s in %s", tag, file.path()).isEqualTo(value));
        }
    }

    @Test
    void photosAreDatedOnTheDayTheManifestSays() {
        List<SampleFile> photos = manifest.files().stream()
                .filter(f -> f.kind() == MediaKind.PHOTO && f.tags().containsKey("ExifIFD:DateTimeOriginal")).toList();
        assertThat(photos).hasSizeGreaterThanOrEqualTo(6);
        for (SampleFile photo : photos) {
            String taken = exif.get(photo.path()).path("ExifIFD:DateTimeOriginal").asText();
            assertThat(LocalDate.parse(taken.substring(0, 10).replace(':', '-'))).as(photo.path())
                    .isEqualTo(photo.captureDate());
        }
        Set<Integer> years = photos.stream().map(p -> p.captureDate().getYear()).collect(Collectors.toSet());
        assertThat(years).containsExactlyInAnyOrder(2023, 2024);
        assertThat(exif.get("IMG_1002.JPG").path("ExifIFD:OffsetTimeOriginal").asText()).isEqualTo("+02:00");
        assertThat(exif.get("PXL_20240309_121530412.jpg").path("IFD0:Orientation").asInt()).isEqualTo(6);
    }

    @Test
    void gpsIsWhereTheManifestSays() {
        for (SampleFile file : manifest.files()) {
            if (file.gps() == null) {
                continue;
            }
            JsonNode found = exif.get(file.path());
            assertThat(found.path("Composite:GPSLatitude").asDouble(999)).as(file.path())
                    .isCloseTo(file.gps().latitude(), within(1e-4));
            assertThat(found.path("Composite:GPSLongitude").asDouble(999)).as(file.path())
                    .isCloseTo(file.gps().longitude(), within(1e-4));
        }
        assertThat(exif.get("VID_20240714_123000.mp4").has("Keys:GPSCoordinates")).isTrue();
    }

    @Test
    void undatedPngFallsBackToAFixedModificationTime() throws IOException {
        SampleFile png = manifest.file("scan-grandparents.png");
        JsonNode found = exif.get(png.path());
        assertThat(found.path("File:MIMEType").asText()).isEqualTo("image/png");
        assertThat(found.fieldNames()).toIterable()
                .noneMatch(tag -> tag.endsWith("DateTimeOriginal") || tag.endsWith("CreateDate")
                        || tag.endsWith(":ModifyDate") || tag.endsWith("CreationTime"));
        LocalDate modified = Files.getLastModifiedTime(manifest.root().resolve(png.path())).toInstant()
                .atZone(ZoneOffset.UTC).toLocalDate();
        assertThat(modified).isEqualTo(png.captureDate()).isEqualTo(LocalDate.of(2021, 6, 20));
    }

    @Test
    void portraitVideoIsReallyPortrait() throws Exception {
        JsonNode probe = ffprobe("VID_20240714_123000.mp4");
        JsonNode video = stream(probe, "video");
        assertThat(video.path("codec_name").asText()).isEqualTo("h264");
        assertThat(video.path("width").asInt()).isEqualTo(360);
        assertThat(video.path("height").asInt()).isEqualTo(640);
        assertThat(video.path("side_data_list").isMissingNode()).as("no rotation flag").isTrue();
        assertThat(stream(probe, "audio").path("codec_name").asText()).isEqualTo("aac");
        assertThat(probe.path("format").path("duration").asDouble()).isCloseTo(2.0, within(0.1));
        assertThat(probe.path("format").path("format_name").asText()).contains("mp4");
        assertThat(exif.get("VID_20240714_123000.mp4").path("QuickTime:CreateDate").asText())
                .isEqualTo("2024:07:14 12:30:00");
    }

    @Test
    void videosHaveThePromisedSizeAndLength() throws Exception {
        for (SampleFile file : manifest.files()) {
            if (file.kind() != MediaKind.VIDEO) {
                continue;
            }
            JsonNode probe = ffprobe(file.path());
            JsonNode video = stream(probe, "video");
            assertThat(video.path("width").asInt()).as(file.path()).isEqualTo(file.width());
            assertThat(video.path("height").asInt()).as(file.path()).isEqualTo(file.height());
            assertThat(probe.path("format").path("duration").asDouble()).as(file.path())
                    .isCloseTo(file.durationSeconds(), within(0.1));
        }
        assertThat(ffprobe("MVI_0042.MOV").path("format").path("tags").path("major_brand").asText().strip())
                .isEqualTo("qt");
    }

    @Test
    void livePhotoHalvesShareOneIdentifier() {
        String still = exif.get("IMG_0100.JPG").path("Apple:MediaGroupUUID").asText();
        String motion = exif.get("IMG_0100.MOV").path("Keys:ContentIdentifier").asText();
        assertThat(still).isEqualTo(motion).isEqualTo(SampleLibrary.LIVE_PHOTO_ID);
        assertThat(manifest.notes()).anyMatch(n -> n.contains("MediaGroupUUID") && n.contains("ContentIdentifier"));
    }

    @Test
    void duplicatesAreByteIdenticalToTheirOriginals() throws IOException {
        List<SampleFile> duplicates = manifest.withOutcome(Outcome.DUPLICATE);
        assertThat(duplicates).hasSize(2).allMatch(d -> d.path().startsWith("copies/"));
        for (SampleFile duplicate : duplicates) {
            SampleFile original = manifest.file(duplicate.duplicateOf());
            assertThat(original.outcome()).isEqualTo(Outcome.ARCHIVE);
            assertThat(Files.mismatch(manifest.root().resolve(duplicate.path()),
                    manifest.root().resolve(original.path()))).isEqualTo(-1L);
        }
    }

    @Test
    void brokenJpegIsReallyTruncatedAndEmptyIsEmpty() throws Exception {
        byte[] broken = Files.readAllBytes(manifest.root().resolve("broken.jpg"));
        assertThat(broken.length).isGreaterThan(1000);
        assertThat(broken[0] & 0xff).isEqualTo(0xFF);
        assertThat(broken[1] & 0xff).isEqualTo(0xD8);
        assertThat(new byte[] {broken[broken.length - 2], broken[broken.length - 1]})
                .as("no end-of-image marker").isNotEqualTo(new byte[] {(byte) 0xFF, (byte) 0xD9});
        String decode = run(List.of("ffmpeg", "-nostdin", "-hide_banner", "-v", "error",
                "-i", manifest.root().resolve("broken.jpg").toString(), "-f", "null", "-"), true);
        assertThat(decode).as("ffmpeg reports the damage").isNotBlank();
        // Plain exiftool and ffprobe read the headers without complaint; only -validate sees the cut.
        assertThat(validate("broken.jpg")).contains("JPEG format error");
        assertThat(validate("IMG_1001.JPG")).containsExactly("OK");
        assertThat(Files.size(manifest.root().resolve("empty.jpg"))).isZero();
    }

    /** heif-enc is one of the tools the suite installs, so the library (and every IT's oracle) has its HEIC. */
    @Test
    void heicIsARealHeic() {
        RequiredTools.need(Tools.onPath("heif-enc"), "heif-enc (libheif-examples, makes the sample HEIC)");
        assertThat(manifest.contains("IMG_2001.HEIC")).as("HEIC generated; notes: " + manifest.notes()).isTrue();
        JsonNode found = exif.get("IMG_2001.HEIC");
        assertThat(found.path("File:MIMEType").asText()).isEqualTo("image/heic");
        assertThat(found.path("ExifIFD:DateTimeOriginal").asText()).isEqualTo("2024:01:27 12:05:00");
        assertThat(manifest.notes()).noneMatch(n -> n.startsWith("HEIC skipped"));
    }

    @Test
    void missingHeifEncSkipsTheHeicWithAReason() throws IOException {
        Manifest without = SampleLibrary.generate(dir.resolve("no-heif"), "ffmpeg", "exiftool", "no-such-heif-enc");
        assertThat(without.contains("IMG_2001.HEIC")).isFalse();
        assertThat(without.root().resolve("IMG_2001.HEIC")).doesNotExist();
        assertThat(without.notes()).anyMatch(n -> n.startsWith("HEIC skipped") && n.contains("IMG_2001.HEIC"));
    }

        private static Map<String, JsonNode> readExif(Manifest manifest) throws Exception {
        List<String> command = new ArrayList<>(List.of("exiftool", "-q", "-json", "-n", "-G1", "-a",
                "-charset", "filename=UTF8"));
        manifest.files().stream().filter(f -> f.outcome() != Outcome.QUARANTINE).forEach(f -> command.add(f.path()));
        Map<String, JsonNode> byPath = new HashMap<>();
        for (JsonNode node : JSON.readTree(run(command, false))) {
            byPath.put(node.path("SourceFile").asText(), node);
        }
        return byPath;
    }

    private static List<String> validate(String path) throws Exception {
        return run(List.of("exiftool", "-q", "-validate", "-warning", "-a", "-s3", path), false).lines().toList();
    }

    private static JsonNode ffprobe(String path) throws Exception {
        return JSON.readTree(run(List.of("ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json",
                manifest.root().resolve(path).toString()), false));
    }

    private static JsonNode stream(JsonNode probe, String type) {
        for (JsonNode s : probe.path("streams")) {
            if (type.equals(s.path("codec_type").asText())) {
                return s;
            }
        }
        throw new AssertionError("no " + type + " stream in " + probe);
    }

    private static String run(List<String> command, boolean stderr) throws Exception {
        Path out = Files.createTempFile(dir, "tool", ".out");
        Process process = new ProcessBuilder(command).directory(manifest.root().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(stderr ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(out.toFile()))
                .redirectError(stderr ? ProcessBuilder.Redirect.to(out.toFile()) : ProcessBuilder.Redirect.INHERIT)
                .start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command.get(0)).isTrue();
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}
