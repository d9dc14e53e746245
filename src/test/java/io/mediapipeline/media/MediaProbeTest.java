package io.mediapipeline.media;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;
import io.mediapipeline.support.LogCapture;
import io.mediapipeline.support.RequiredTools;
import io.mediapipeline.support.Tools;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Runs the real exiftool, ffprobe and ffmpeg on small files made by those same tools. */
class MediaProbeTest {

    private static final ZoneId LOS_ANGELES = ZoneId.of("America/Los_Angeles");

    private static ExifTool exif;
    private static MediaProbe probe;

    @BeforeAll
    static void startExifTool() {
        exif = new ExifTool();
        probe = new MediaProbe(exif, "ffprobe", "ffmpeg", LOS_ANGELES);
    }

    @AfterAll
    static void stopExifTool() {
        exif.close();
    }

    private static MediaInfo inspect(Path file) throws Exception {
        return probe.inspect(file, null);
    }

    /** Asserts the file is refused with a reason that starts as expected and is one plain line. */
    private static void assertBad(Path file, String reasonStart) {
        assertThatThrownBy(() -> inspect(file))
                .isInstanceOf(BadMediaException.class)
                .hasMessageStartingWith(reasonStart)
                .satisfies(e -> {
                    assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("Exception").hasSizeLessThan(260);
                    assertThat(e.getStackTrace()).isEmpty();
                });
    }

    private static Path phonePhoto(Path file) {
        return Fixtures.exiftoolWrite(Fixtures.jpeg(file),
                "-DateTimeOriginal=2023:07:01 00:30:00", "-OffsetTimeOriginal=+09:00",
                "-GPSLatitude=33.8568", "-GPSLatitudeRef=S", "-GPSLongitude=151.2153", "-GPSLongitudeRef=E",
                "-Orientation#=6", "-Make=Apple", "-Model=iPhone 13", "-ModifyDate=2024:01:01 00:00:00");
    }

    @Test
    void phonePhotoKeepsItsZoneGpsAndRotation(@TempDir Path dir) throws Exception {
        MediaInfo info = inspect(phonePhoto(dir.resolve("IMG_0001.JPG")));

        assertThat(info.kind()).isEqualTo(MediaKind.PHOTO);
        assertThat(info.format()).isEqualTo("jpeg");
        assertThat(info.extension()).isEqualTo("jpg");
        assertThat(info.mimeType()).isEqualTo("image/jpeg");
        assertThat(info.width()).isEqualTo(160);
        assertThat(info.height()).isEqualTo(120);
        assertThat(info.rotation()).isEqualTo(90);
        assertThat(info.durationSeconds()).isNull();
        assertThat(info.captureTime()).isEqualTo(new CaptureTime(OffsetDateTime.parse("2023-07-01T00:30+09:00"),
                "EXIF:DateTimeOriginal", true));
        assertThat(info.hasGps()).isTrue();
        assertThat(info.latitude()).isCloseTo(-33.8568, within(1e-6));
        assertThat(info.longitude()).isCloseTo(151.2153, within(1e-6));
        assertThat(info.make()).isEqualTo("Apple");
        assertThat(info.model()).isEqualTo("iPhone 13");
        assertThat(info.contentIdentifier()).isNull();
    }

    @Test
    void portraitVideoReportsRotationAndItsUtcDateInTheLocalDay(@TempDir Path dir) throws Exception {
        // the movie header says 02:30 UTC on July 1st, which was still June 30th in Los Angeles
        Path video = Fixtures.video(dir.resolve("clip.mp4"), 1, "-metadata", "creation_time=2023-07-01T02:30:00Z");
        // ffmpeg 5.1 ignores rotate metadata when encoding, so the display matrix is written as a phone does
        Fixtures.exiftoolWrite(video, "-Rotation=90");

        MediaInfo info = inspect(video);

        assertThat(info.kind()).isEqualTo(MediaKind.VIDEO);
        assertThat(info.format()).isEqualTo("mp4");
        assertThat(info.extension()).isEqualTo("mp4");
        assertThat(info.mimeType()).isEqualTo("video/mp4");
        assertThat(info.width()).isEqualTo(160);
        assertThat(info.height()).isEqualTo(120);
        assertThat(info.rotation()).isEqualTo(90);
        assertThat(info.durationSeconds()).isCloseTo(1.0, within(0.05));
        assertThat(info.captureTime()).isEqualTo(new CaptureTime(OffsetDateTime.parse("2023-06-30T19:30-07:00"),
                "QuickTime:CreateDate", false));
        assertThat(info.hasGps()).isFalse();
        assertThat(info.latitude()).isNull();
    }

    @Test
    void rotationFromFfprobeMatchesWhatExiftoolWrote(@TempDir Path dir) throws Exception {
        Path video = Fixtures.exiftoolWrite(Fixtures.video(dir.resolve("upside.mp4"), 1), "-Rotation=180");
        Path sideways = Fixtures.exiftoolWrite(Fixtures.video(dir.resolve("left.mp4"), 1), "-Rotation=270");

        assertThat(inspect(video).rotation()).isEqualTo(180);
        assertThat(inspect(sideways).rotation()).isEqualTo(270);
        assertThat(inspect(Fixtures.video(dir.resolve("plain.mp4"), 1)).rotation()).isZero();
    }

    @Test
    void livePhotoMovieCarriesItsPairingIdAppleDateAndPlace(@TempDir Path dir) throws Exception {
        // exiftool 12.57 cannot write Keys:ContentIdentifier ("not defined"); ffmpeg writes Apple's mdta keys like a phone
        Path mov = Fixtures.video(dir.resolve("IMG_0002.MOV"), 1, "-movflags", "use_metadata_tags",
                "-metadata", "com.apple.quicktime.content.identifier=7C3D3F36-0C1F-4B1B-9E0E-6C1D2A3B4C5D",
                "-metadata", "com.apple.quicktime.creationdate=2023-07-01T09:15:00+0900",
                "-metadata", "com.apple.quicktime.location.ISO6709=+35.6586+139.7454+010.000/",
                "-metadata", "com.apple.quicktime.make=Apple",
                "-metadata", "com.apple.quicktime.model=iPhone 13",
                "-f", "mov");

        MediaInfo info = inspect(mov);

        assertThat(info.format()).isEqualTo("mov");
        assertThat(info.extension()).isEqualTo("mov");
        assertThat(info.mimeType()).isEqualTo("video/quicktime");
        assertThat(info.contentIdentifier()).isEqualTo("7C3D3F36-0C1F-4B1B-9E0E-6C1D2A3B4C5D");
        // the movie header date is the 0000:00:00 placeholder here; Apple's own date with its offset wins anyway
        assertThat(info.captureTime()).isEqualTo(new CaptureTime(OffsetDateTime.parse("2023-07-01T09:15+09:00"),
                "Keys:CreationDate", true));
        assertThat(info.hasGps()).isTrue();
        assertThat(info.latitude()).isCloseTo(35.6586, within(1e-6));
        assertThat(info.longitude()).isCloseTo(139.7454, within(1e-6));
        assertThat(info.make()).isEqualTo("Apple");
        assertThat(info.model()).isEqualTo("iPhone 13");
    }

    @Test
    void undatedMovieFallsBackToMtime(@TempDir Path dir) throws Exception {
        Path mov = Fixtures.video(dir.resolve("old.mov"), 1, "-f", "mov");
        Files.setLastModifiedTime(mov, FileTime.from(Instant.parse("2019-01-01T06:00:00Z")));

        assertThat(inspect(mov).captureTime()).isEqualTo(new CaptureTime(
                OffsetDateTime.parse("2018-12-31T22:00-08:00"), "File:mtime", false));
    }

    @Test
    void jpegWithOnlyIptcAndXmpDatesIsFiledUnderThemNotItsCopyDay(@TempDir Path dir) throws Exception {
        // what a scanner or a Lightroom export leaves: no EXIF dates at all, the day kept in IPTC and XMP
        Path scan = Fixtures.exiftoolWrite(Fixtures.jpeg(dir.resolve("scan.jpg")), "-EXIF:all=",
                "-IPTC:DateCreated=2019:05:06", "-IPTC:TimeCreated=14:30:00+02:00",
                "-IPTC:DigitalCreationDate=2019:05:06", "-IPTC:DigitalCreationTime=14:30:00+02:00",
                "-XMP-photoshop:DateCreated=2019:05:06T14:30:00+02:00", "-XMP-xmp:CreateDate=2019:05:06T14:30:00+02:00");
        Files.setLastModifiedTime(scan, FileTime.from(Instant.parse("2024-11-20T10:00:00Z")));

        assertThat(inspect(scan).captureTime()).isEqualTo(new CaptureTime(
                OffsetDateTime.parse("2019-05-06T14:30+02:00"), "IPTC:DateCreated", true));

        // only XMP left: its own offset still wins over the configured zone and the mtime
        Fixtures.exiftoolWrite(scan, "-IPTC:all=");
        Files.setLastModifiedTime(scan, FileTime.from(Instant.parse("2024-11-20T10:00:00Z")));

        assertThat(inspect(scan).captureTime()).isEqualTo(new CaptureTime(
                OffsetDateTime.parse("2019-05-06T14:30+02:00"), "XMP-photoshop:DateCreated", true));
    }

    @Test
    void pngWithoutDatesFallsBackToMtimeNotChangeTime(@TempDir Path dir) throws Exception {
        Path png = Fixtures.png(dir.resolve("screenshot.png"));
        // ctime becomes "now" here; only mtime says 2021
        Files.setLastModifiedTime(png, FileTime.from(Instant.parse("2021-03-04T05:06:07Z")));

        MediaInfo info = inspect(png);

        assertThat(info.format()).isEqualTo("png");
        assertThat(info.extension()).isEqualTo("png");
        assertThat(info.width()).isEqualTo(160);
        assertThat(info.rotation()).isZero();
        assertThat(info.captureTime()).isEqualTo(new CaptureTime(OffsetDateTime.parse("2021-03-03T21:06:07-08:00"),
                "File:mtime", false));
    }

    @Test
    void jpegNamedPngIsAJpeg(@TempDir Path dir) throws Exception {
        Path misnamed = Files.move(Fixtures.jpeg(dir.resolve("a.jpg")), dir.resolve("holiday.png"));

        MediaInfo info = inspect(misnamed);

        assertThat(info.format()).isEqualTo("jpeg");
        assertThat(info.extension()).isEqualTo("jpg");
        assertThat(info.mimeType()).isEqualTo("image/jpeg");
    }

    @Test
    void heicIsAcceptedWhenWholeAndRefusedWhenCut(@TempDir Path dir) throws Exception {
        RequiredTools.need(Tools.onPath("heif-enc"), "heif-enc (libheif-examples, makes the HEIC fixture)");
        Path heic = dir.resolve("IMG_0003.HEIC");
        Fixtures.run("heif-enc", "-o", heic.toString(), Fixtures.png(dir.resolve("source.png")).toString());

        MediaInfo info = inspect(heic);
        assertThat(info.format()).isEqualTo("heic");
        assertThat(info.extension()).isEqualTo("heic");
        assertThat(info.mimeType()).isEqualTo("image/heic");
        assertThat(info.width()).isEqualTo(160);
        assertThat(info.height()).isEqualTo(120);

        assertBad(Fixtures.truncated(heic, dir.resolve("cut.heic"), 0.5), "corrupt or truncated image: Truncated");
    }

    @Test
    void zeroByteFileIsRefused(@TempDir Path dir) throws Exception {
        assertBad(Files.createFile(dir.resolve("empty.jpg")), "zero bytes");
    }

    @Test
    void textNamedJpgIsNotMedia(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("IMG_0004.jpg"), "this is not a photo\n");

        assertThatThrownBy(() -> inspect(text)).isInstanceOf(BadMediaException.class)
                .hasMessage("not a photo or video (content looks like text)");
    }

    @Test
    void randomBytesAreNotMedia(@TempDir Path dir) throws Exception {
        byte[] noise = new byte[4096];
        new Random(7).nextBytes(noise);
        noise[0] = 0x13; // make sure it does not start like a known format by chance

        assertBad(Files.write(dir.resolve("IMG_0005.mov"), noise), "not a photo or video (unrecognised content)");
    }

    @Test
    void halfAJpegIsCorruptButTheWholeOneIsFine(@TempDir Path dir) throws Exception {
        Path whole = Fixtures.detailedJpeg(dir.resolve("whole.jpg"));
        assertThat(inspect(whole).width()).isEqualTo(640);

        assertBad(Fixtures.truncated(whole, dir.resolve("half.jpg"), 0.5), "corrupt or truncated image: ");
    }

    @Test
    void halfAPngIsCorrupt(@TempDir Path dir) throws Exception {
        assertBad(Fixtures.truncated(Fixtures.png(dir.resolve("whole.png")), dir.resolve("half.png"), 0.5),
                "corrupt or truncated image: ");
    }

    @Test
    void mp4CutBeforeItsIndexIsRefused(@TempDir Path dir) throws Exception {
        // ffmpeg writes the moov index at the end by default, so half a file has none
        Path whole = Fixtures.video(dir.resolve("whole.mp4"), 1);

        assertBad(Fixtures.truncated(whole, dir.resolve("half.mp4"), 0.5),
                "truncated or corrupt video: moov atom not found");
    }

    @Test
    void mp4CutAfterItsIndexIsRefused(@TempDir Path dir) throws Exception {
        // with the index first, ffprobe and the first second look fine; only the missing tail gives it away
        Path whole = Fixtures.video(dir.resolve("whole.mp4"), 3, "-movflags", "+faststart");

        assertBad(Fixtures.truncated(whole, dir.resolve("cut.mp4"), 0.9),
                "truncated or corrupt video: Truncated 'mdat' data");
    }

    @Test
    void videoWithGarbagePictureDataIsRefused(@TempDir Path dir) throws Exception {
        Path whole = Fixtures.video(dir.resolve("whole.mp4"), 3, "-movflags", "+faststart");
        byte[] bytes = Files.readAllBytes(whole);
        int mdat = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("mdat");
        assertThat(mdat).isPositive();
        byte[] garbage = new byte[bytes.length - mdat - 4];
        new Random(1).nextBytes(garbage);
        ByteBuffer.wrap(bytes).position(mdat + 4).put(garbage);
        Path broken = Files.write(dir.resolve("broken.mp4"), bytes);

        assertBad(broken, "corrupt video: ");
    }

    @Test
    void awkwardFileNamesAreInspected(@TempDir Path dir) throws Exception {
        Path photo = phonePhoto(dir.resolve("source.jpg"));
        for (String name : new String[] {"Urlaub am See ü 日本.jpg", "line\nbreak.jpg", "50% off %d.jpg",
                "-starts-with-dash.jpg", "file:looks-like-a-url.jpg"}) {
            MediaInfo info = inspect(Files.copy(photo, dir.resolve(name)));

            assertThat(info.format()).as(name).isEqualTo("jpeg");
            assertThat(info.captureTime().source()).as(name).isEqualTo("EXIF:DateTimeOriginal");
            assertThat(info.rotation()).as(name).isEqualTo(90);
        }
        Path video = Fixtures.video(dir.resolve("clip.mp4"), 1);
        for (String name : new String[] {"Video vom Strand ü 日本.mp4", "two\nlines.mp4"}) {
            assertThat(inspect(Files.copy(video, dir.resolve(name))).kind()).as(name).isEqualTo(MediaKind.VIDEO);
        }
    }

    @Test
    void livePhotoStillIsPairedByItsMakerNoteId() {
        // exiftool cannot create Apple maker notes, so this is checked on the tags a real iPhone still yields
        assertThat(MediaProbe.livePhotoId(Map.of("Apple:MediaGroupUUID", "7C3D3F36"), null)).isEqualTo("7C3D3F36");
        assertThat(MediaProbe.livePhotoId(Map.of("Apple:ContentIdentifier", "OLDNAME"), null)).isEqualTo("OLDNAME");
        assertThat(MediaProbe.livePhotoId(Map.of("IFD0:Make", "Apple"), null)).isNull();
    }

    @Test
    void givenFfprobeResultIsUsedInsteadOfProbingAgain(@TempDir Path dir) throws Exception {
        Path video = Fixtures.video(dir.resolve("clip.mp4"), 1);
        FfprobeResult claimed = Ffprobe.parse("""
                { "streams": [ { "index": 0, "codec_type": "video", "width": 1234, "height": 567,
                                 "duration": "9.5", "side_data_list": [ { "rotation": 90 } ] } ],
                  "format": { "format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "9.5" } }
                """);

        MediaInfo info = probe.inspect(video, claimed);

        assertThat(info.width()).isEqualTo(1234);
        assertThat(info.durationSeconds()).isEqualTo(9.5);
        assertThat(info.rotation()).isEqualTo(270);
    }

    /** A 320x240 TIFF of noise written by the JDK's ImageIO (it carries ResolutionUnit, which ffmpeg 5.1 refuses). */
    private static Path imageIoTiff(Path file) throws Exception {
        assertThat(javax.imageio.ImageIO.write(noise(15), "tiff", file.toFile())).isTrue();
        return file;
    }

    private static java.awt.image.BufferedImage noise(long seed) {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(320, 240,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        Random random = new Random(seed);
        for (int y = 0; y < 240; y++) {
            for (int x = 0; x < 320; x++) {
                img.setRGB(x, y, random.nextInt());
            }
        }
        return img;
    }

    /** Whether ffmpeg, as MediaProbe runs it, refuses the file: an error line or a failed exit. */
    private static boolean ffmpegRefuses(Path tiff) throws Exception {
        Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-nostdin", "-xerror", "-err_detect", "explode",
                "-f", "tiff_pipe", "-i", tiff.toString(), "-f", "null", "-").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() != 0 || !out.isBlank();
    }

    private static void assertTiffPhoto(Path tiff, int width, int height) throws Exception {
        MediaInfo info = inspect(tiff);
        assertThat(info.kind()).isEqualTo(MediaKind.PHOTO);
        assertThat(info.format()).isEqualTo("tiff");
        assertThat(info.width()).isEqualTo(width);
        assertThat(info.height()).isEqualTo(height);
    }

    @Test
    void aValidTiffFfmpegRefusesIsAPhotoWhenImageIoReadsItButACutOneIsCorrupt(@TempDir Path dir) throws Exception {
        Path tiff = imageIoTiff(dir.resolve("scan.tif"));
        assertThat(ffmpegRefuses(tiff)).as("ffmpeg 5.1 refuses this valid TIFF, so the second reader matters").isTrue();
        assertTiffPhoto(tiff, 320, 240);

        Path cut = Fixtures.truncated(tiff, dir.resolve("cut.tif"), 0.4);
        assertBad(cut, "corrupt or truncated image: ");
        assertThatThrownBy(() -> inspect(cut)).hasMessageContaining("ImageIO");
    }

    @Test
    void aValidImageBothDecodersRefuseIsAPhotoWhenExiftoolFindsItsStructureSoundButACutOneIsCorrupt(
            @TempDir Path dir) throws Exception {
        Path tiff = Fixtures.floatTiff(dir.resolve("elevation.tif"));
        assertThat(ffmpegRefuses(tiff)).as("ffmpeg 5.1 refuses a float TIFF").isTrue();
        assertThat(SecondReader.problem(tiff, "tiff", null)).as("so does ImageIO (predictor 3)").contains("Predictor");
        try (LogCapture log = LogCapture.of(MediaProbe.class.getName())) {
            assertTiffPhoto(tiff, 64, 48);
            // kept, but not silently: nobody decoded its pixels
            assertThat(log.messages(Level.WARN)).singleElement().asString().contains(tiff.toString())
                    .contains("kept unverified").contains("floating-point predictor");
        }

        Path cut = Fixtures.truncated(tiff, dir.resolve("cut.tif"), 0.7);
        assertBad(cut, "corrupt or truncated image: ");
        assertThatThrownBy(() -> inspect(cut)).hasMessageContaining("exiftool: ").hasMessageContaining("past end");
    }

    @Test
    void aTiffWithGarbageStripsBothDecodersRefuseIsCorruptEvenThoughItsStructureIsSound(@TempDir Path dir)
            throws Exception {
        Path whole = deflateTiff(dir.resolve("scan.tif"));
        try (LogCapture log = LogCapture.of(MediaProbe.class.getName())) {
            assertTiffPhoto(whole, 320, 240);
            assertThat(log.messages(Level.WARN)).as("ImageIO decoded it: nothing to warn about").isEmpty();
        }
        Path broken = garbageStrips(whole, dir.resolve("broken.tif"));
        assertThat(Files.size(broken)).isEqualTo(Files.size(whole));
        assertThat(ffmpegRefuses(broken)).isTrue();
        assertThat(SecondReader.problem(broken, "tiff", null)).as("ImageIO cannot inflate the strips").isNotNull();
        assertThat(MediaProbe.structuralProblem(exif.validate(broken)))
                .as("exiftool reads no pixels: to it the damaged file looks sound").isNull();

        assertBad(broken, "corrupt or truncated image: ");
        assertThatThrownBy(() -> inspect(broken)).hasMessageContaining("ImageIO");
    }

    @Test
    void onlyFeaturesNeitherDecoderImplementsAreAGapNeverAPlainOrFloatTiff() throws Exception {
        assertThat(DecoderGap.of("tiff", Map.of("IFD0:Compression", 8, "IFD0:Predictor", 3)))
                .isEqualTo("floating-point predictor (TIFF Predictor 3)");
        assertThat(DecoderGap.of("tiff", Map.of("IFD0:Compression", 50000))).startsWith("Zstandard");
        assertThat(DecoderGap.of("tiff", Map.of("IFD0:Compression", 34712))).startsWith("JPEG 2000");
        // ImageIO reads float and 32-bit samples, LZW and Deflate: a refusal of those is damage
        assertThat(DecoderGap.of("tiff", Map.of("IFD0:Compression", 8, "IFD0:Predictor", 2,
                "IFD0:SampleFormat", "3", "IFD0:BitsPerSample", "32"))).isNull();
        assertThat(DecoderGap.of("tiff", Map.of("IFD0:Compression", 5, "IFD0:BitsPerSample", "16 16 16"))).isNull();
        assertThat(DecoderGap.of("tiff", Map.of())).isNull();
        // other formats have no gap: a JPEG, PNG or GIF both decoders refuse is damaged
        assertThat(DecoderGap.of("jpeg", Map.of("IFD0:Compression", 50000, "IFD0:Predictor", 3))).isNull();
        // and the gap is read from the file's own tags as exiftool reports them
        Path floatTiff = Fixtures.floatTiff(Files.createTempFile("gap", ".tif"));
        try {
            assertThat(DecoderGap.of("tiff", exif.read(floatTiff))).startsWith("floating-point predictor");
        } finally {
            Files.delete(floatTiff);
        }
    }

    @Test
    void aTiffInACodingNeitherDecoderKnowsIsKeptWithAWarningWhenItsStructureIsSound(@TempDir Path dir)
            throws Exception {
        // a whole TIFF relabelled Zstandard (50000), as GDAL writes: every strip still where the IFD says
        byte[] bytes = Files.readAllBytes(deflateTiff(dir.resolve("source.tif")));
        ByteBuffer tiff = ByteBuffer.wrap(bytes).order(bytes[0] == 'I' ? java.nio.ByteOrder.LITTLE_ENDIAN
                : java.nio.ByteOrder.BIG_ENDIAN);
        int compression = ifd0Entry(tiff, 259);
        assertThat(tiff.getShort(compression + 2)).as("SHORT").isEqualTo((short) 3);
        tiff.putShort(compression + 8, (short) 50000);
        Path zstd = Files.write(dir.resolve("dem.tif"), bytes);
        assertThat(ffmpegRefuses(zstd)).isTrue();
        assertThat(SecondReader.problem(zstd, "tiff", null)).contains("50000");

        try (LogCapture log = LogCapture.of(MediaProbe.class.getName())) {
            assertTiffPhoto(zstd, 320, 240);
            assertThat(log.messages(Level.WARN)).singleElement().asString().contains(zstd.toString())
                    .contains("Zstandard compression");
        }
        assertBad(Fixtures.truncated(zstd, dir.resolve("cut.tif"), 0.6), "corrupt or truncated image: ");
    }

    /** A 320x240 TIFF of noise, Deflate-compressed in strips by the JDK's ImageIO, which reads it back. */
    private static Path deflateTiff(Path file) throws Exception {
        javax.imageio.ImageWriter writer = javax.imageio.ImageIO.getImageWritersByFormatName("tiff").next();
        javax.imageio.ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionType("Deflate");
        try (javax.imageio.stream.ImageOutputStream out = javax.imageio.ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.write(null, new javax.imageio.IIOImage(noise(16), null, null), param);
        } finally {
            writer.dispose();
        }
        return file;
    }

    /** A copy whose every strip is overwritten with random bytes: each IFD entry, offset and length still right. */
    private static Path garbageStrips(Path source, Path target) throws Exception {
        byte[] bytes = Files.readAllBytes(source);
        ByteBuffer tiff = ByteBuffer.wrap(bytes).order(bytes[0] == 'I' ? java.nio.ByteOrder.LITTLE_ENDIAN
                : java.nio.ByteOrder.BIG_ENDIAN);
        int[] offsets = ifd0Values(tiff, 273);
        int[] counts = ifd0Values(tiff, 279);
        assertThat(offsets).hasSameSizeAs(counts).hasSizeGreaterThan(1);
        Random random = new Random(17);
        for (int i = 0; i < offsets.length; i++) {
            byte[] garbage = new byte[counts[i]];
            random.nextBytes(garbage);
            System.arraycopy(garbage, 0, bytes, offsets[i], garbage.length);
        }
        return Files.write(target, bytes);
    }

    /** The SHORT or LONG values of one IFD0 tag (exiftool prints long lists as "(Binary data ...)"). */
    private static int[] ifd0Values(ByteBuffer tiff, int tag) {
        int entry = ifd0Entry(tiff, tag);
        boolean isShort = tiff.getShort(entry + 2) == 3;
        int count = tiff.getInt(entry + 4);
        int at = count * (isShort ? 2 : 4) <= 4 ? entry + 8 : tiff.getInt(entry + 8);
        int[] values = new int[count];
        for (int v = 0; v < count; v++) {
            values[v] = isShort ? tiff.getShort(at + 2 * v) & 0xFFFF : tiff.getInt(at + 4 * v);
        }
        return values;
    }

    private static int ifd0Entry(ByteBuffer tiff, int tag) {
        int ifd = tiff.getInt(4);
        for (int i = 0, n = tiff.getShort(ifd) & 0xFFFF; i < n; i++) {
            if ((tiff.getShort(ifd + 2 + 12 * i) & 0xFFFF) == tag) {
                return ifd + 2 + 12 * i;
            }
        }
        throw new AssertionError("no tag " + tag + " in IFD0");
    }

    @Test
    void exiftoolValidateStyleFindingsAreNoDamageButAFormatErrorIs() {
        assertThat(MediaProbe.structuralProblem(List.of("Entries in IFD0 are out of order",
                "Missing required TIFF IFD0 tag 0x011a XResolution", "Invalid value for IFD0 tag 0x0103 Compression",
                "[minor] Non-standard format (rational[1]) for IFD0 0x011a XResolution"))).isNull();
        assertThat(MediaProbe.structuralProblem(List.of("Entries in IFD0 are out of order", "JPEG format error")))
                .isEqualTo("JPEG format error");
        assertThat(MediaProbe.structuralProblem(List.of())).isNull();
    }

    @Test
    void cameraRawIsAPhotoByContentWithTheNameAsHint(@TempDir Path dir) throws Exception {
        Path cr2 = Fixtures.exiftoolWrite(imageIoTiff(dir.resolve("IMG_0001.CR2")), "-Make=Canon",
                "-Model=Canon EOS 5D Mark IV");
        MediaInfo canon = inspect(cr2);
        assertThat(canon.kind()).isEqualTo(MediaKind.PHOTO);
        assertThat(canon.format()).isEqualTo("cr2");
        assertThat(canon.extension()).isEqualTo("cr2");
        assertThat(canon.make()).isEqualTo("Canon");
        assertThat(Extensions.isCameraRaw(canon.format())).isTrue();

        Path dng = Fixtures.exiftoolWrite(imageIoTiff(dir.resolve("raw.dng")), "-Make=Google", "-Model=Pixel 7",
                "-DNGVersion=1.4.0.0");
        MediaInfo pixel = inspect(dng);
        assertThat(pixel.format()).isEqualTo("dng");
        assertThat(pixel.mimeType()).isEqualTo("image/x-adobe-dng");
        assertThat(Extensions.isCameraRaw(pixel.format())).isTrue();

        assertThat(Extensions.isCameraRaw("tiff")).isFalse();
        assertThat(Extensions.isCameraRaw("jpeg")).isFalse();
    }
}
