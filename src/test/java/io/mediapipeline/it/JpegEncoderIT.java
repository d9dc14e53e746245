package io.mediapipeline.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ledger.Database;
import io.mediapipeline.media.ExifTool;
import io.mediapipeline.support.LogCapture;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JPEG photos through the compress stage with each pipeline.compress.image.encoder: ffmpeg's mjpeg followed by
 * libjpeg-turbo's lossless jpegtran (auto), djpeg + cjpeg, and the fallback to ffmpeg alone when the libjpeg-turbo
 * tool cannot be run. A camera-like photo (1280x960 with sensor-like noise, saved at high quality) carries
 * orientation 6, GPS, a capture date, make/model and an ICC profile; every one of them must survive.
 */
class JpegEncoderIT {

    private static final String PROFILE = "MP test sRGB-like";

    @TempDir
    Path tmp;

    /** A minimal but valid ICC v2 RGB display profile (matrix/TRC, sRGB primaries, gamma 2.2). */
    static byte[] iccProfile(String description) throws IOException {
        record Tag(String sig, byte[] data) {
        }
        List<Tag> tags = new ArrayList<>();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        byte[] ascii = (description + "\0").getBytes(StandardCharsets.US_ASCII);
        d.writeBytes("desc");
        d.writeInt(0);
        d.writeInt(ascii.length);
        d.write(ascii);
        d.writeInt(0); // unicode language
        d.writeInt(0); // unicode count
        d.writeShort(0); // scriptcode code
        d.writeByte(0); // scriptcode count
        d.write(new byte[67]);
        tags.add(new Tag("desc", b.toByteArray()));
        double[][] xyz = {{0.9642, 1.0, 0.8249}, {0.4361, 0.2225, 0.0139}, {0.3851, 0.7169, 0.0971}, {0.1431, 0.0606, 0.7141}};
        String[] xyzSigs = {"wtpt", "rXYZ", "gXYZ", "bXYZ"};
        for (int i = 0; i < 4; i++) {
            b = new ByteArrayOutputStream();
            d = new DataOutputStream(b);
            d.writeBytes("XYZ ");
            d.writeInt(0);
            for (double v : xyz[i]) {
                d.writeInt((int) Math.round(v * 65536));
            }
            tags.add(new Tag(xyzSigs[i], b.toByteArray()));
        }
        for (String trc : List.of("rTRC", "gTRC", "bTRC")) {
            tags.add(new Tag(trc, new byte[] {'c', 'u', 'r', 'v', 0, 0, 0, 0, 0, 0, 0, 1, 0x02, 0x33, 0, 0}));
        }
        b = new ByteArrayOutputStream();
        d = new DataOutputStream(b);
        d.writeBytes("text");
        d.writeInt(0);
        d.writeBytes("No copyright, test data\0");
        tags.add(new Tag("cprt", b.toByteArray()));

        int offset = 128 + 4 + 12 * tags.size();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        DataOutputStream t = new DataOutputStream(table);
        t.writeInt(tags.size());
        for (Tag tag : tags) {
            t.writeBytes(tag.sig());
            t.writeInt(offset + body.size());
            t.writeInt(tag.data().length);
            body.write(tag.data());
            while (body.size() % 4 != 0) {
                body.write(0);
            }
        }
        int size = 128 + table.size() + body.size();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(all);
        h.writeInt(size);
        h.writeInt(0); // CMM
        h.writeInt(0x02100000); // version 2.1
        h.writeBytes("mntr");
        h.writeBytes("RGB ");
        h.writeBytes("XYZ ");
        for (int v : new int[] {2026, 11, 27, 12, 0, 0}) {
            h.writeShort(v);
        }
        h.writeBytes("acsp");
        h.write(new byte[24]); // platform, flags, manufacturer, model, attributes
        h.writeInt(0); // rendering intent
        for (double v : xyz[0]) {
            h.writeInt((int) Math.round(v * 65536));
        }
        h.write(new byte[128 - all.size()]); // creator, ID, reserved
        all.write(table.toByteArray());
        all.write(body.toByteArray());
        return all.toByteArray();
    }

    /** The same camera-like photo in each library. */
    private Path photo(Path lib) throws IOException {
        Path icc = tmp.resolve("test.icc");
        if (!Files.exists(icc)) {
            Files.write(icc, iccProfile(PROFILE));
        }
        Tools.run(lib, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x960", "-vf", "noise=alls=3:allf=t",
                "-frames:v", "1", "-q:v", "2", "photo.jpg");
        Tools.run(lib, "exiftool", "-q", "-overwrite_original", "-n", "-Orientation=6", "-DateTimeOriginal=2021:06:01 10:00:00",
                "-GPSLatitude=48.1", "-GPSLatitudeRef=N", "-GPSLongitude=11.5", "-GPSLongitudeRef=E", "-Make=Apple",
                "-Model=iPhone 12", "-ICC_Profile<=" + icc, "photo.jpg");
        return lib.resolve("photo.jpg");
    }

    /** One `once` over a library holding the photo; returns its media_files row. */
    private Map<String, Object> compress(String name, String... settings) throws Exception {
        return compressAll(name, settings).get("photo.jpg");
    }

    /** As {@link #compress}, returning every row by original name. */
    private Map<String, Map<String, Object>> compressAll(String name, String... settings) throws Exception {
        PipelineHome pipeline = new PipelineHome(Files.createDirectories(tmp.resolve(name)))
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.compress.parallelism", "1");
        for (int i = 0; i < settings.length; i += 2) {
            pipeline.set(settings[i], settings[i + 1]);
        }
        Path original = photo(pipeline.library());
        if (name.equals("fallback")) {
            Tools.run(pipeline.library(), "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x480", "-frames:v", "1",
                    "-q:v", "2", "second.jpg");
        }
        try (ExifTool exif = new ExifTool()) {
            assertThat(exif.read(original).get("ICC_Profile:ProfileDescription")).as("the test photo has its profile")
                    .isEqualTo(PROFILE);
        }
        assertThat(pipeline.once()).isEqualTo(0);
        try (Database db = pipeline.openLedger()) {
            Map<String, Map<String, Object>> rows = CompressIT.rowsByName(db);
            rows.forEach((file, row) -> {
                assertThat(row.get("compress_decision")).as(file + ": " + row.get("compress_reason")).isEqualTo("compressed");
                assertThat(((Number) row.get("ssim")).doubleValue()).as(file).isGreaterThanOrEqualTo(0.97);
            });
            return rows;
        }
    }

    /** Orientation, GPS, date, camera and the ICC profile as in the original; a real JPEG. */
    private static Map<String, Object> assertKept(ExifTool exif, Path out) throws IOException {
        assertThat(out.getFileName().toString()).endsWith(".jpg");
        Map<String, Object> t = exif.read(out);
        assertThat(t.get("File:FileType")).isEqualTo("JPEG");
        assertThat(((Number) t.get("IFD0:Orientation")).intValue()).isEqualTo(6);
        assertThat(((Number) t.get("Composite:GPSLatitude")).doubleValue()).isEqualTo(48.1);
        assertThat(((Number) t.get("Composite:GPSLongitude")).doubleValue()).isEqualTo(11.5);
        assertThat(t.get("ExifIFD:DateTimeOriginal")).isEqualTo("2021:06:01 10:00:00");
        assertThat(t.get("IFD0:Model")).isEqualTo("iPhone 12");
        assertThat(t.get("ICC_Profile:ProfileDescription")).isEqualTo(PROFILE);
        assertThat(t.get("ICC_Profile:RedMatrixColumn")).isNotNull();
        // decodable as a whole image
        assertThat(CompressIT.size(out)).containsExactly(1280, 960);
        return t;
    }

    /** What the stage did before libjpeg-turbo: ffmpeg's mjpeg at the mapped quality (85 -> -q:v 4). */
    private Path plainMjpeg(Path original) {
        Path ref = tmp.resolve("reference-" + System.nanoTime() + ".jpg");
        Tools.run(tmp, "ffmpeg", "-v", "error", "-noautorotate", "-i", original.toString(), "-frames:v", "1", "-c:v", "mjpeg",
                "-q:v", "4", "-pix_fmt", "yuvj420p", "-f", "image2", "-update", "1", ref.toString());
        return ref;
    }

    private static String pixelsMd5(Path jpeg) {
        return Tools.run(jpeg.getParent(), "ffmpeg", "-v", "error", "-noautorotate", "-i", jpeg.toString(), "-f", "md5", "-").strip();
    }

    @Test
    void autoIsMjpegMadeProgressiveByJpegtranSmallerWithTheSamePixels() throws Exception {
        Map<String, Object> row = compress("auto");
        assertThat((String) row.get("codec")).matches("mjpeg \\(ffmpeg\\) \\+ libjpeg-turbo \\d+\\.\\d+\\.\\d+ jpegtran");
        Path out = Path.of((String) row.get("compressed_path"));
        try (ExifTool exif = new ExifTool()) {
            Map<String, Object> t = assertKept(exif, out);
            assertThat(((Number) t.get("File:EncodingProcess")).intValue()).as("progressive DCT").isEqualTo(2);
        }
        Path ref = plainMjpeg(Path.of((String) row.get("original_path")));
        // jpegtran is lossless: exactly ffmpeg's pixels, in fewer bytes (metadata included on our side)
        assertThat(pixelsMd5(out)).isEqualTo(pixelsMd5(ref));
        assertThat(Files.size(out)).isLessThan(Files.size(ref));
        System.out.printf("JpegEncoderIT auto: original %d, plain mjpeg %d, output %d bytes, SSIM %s%n",
                Files.size(Path.of((String) row.get("original_path"))), Files.size(ref), Files.size(out), row.get("ssim"));
    }

    @Test
    void cjpegEncodesWithLibjpegTurboAndKeepsEverything() throws Exception {
        Map<String, Object> row = compress("cjpeg", "pipeline.compress.image.encoder", "cjpeg");
        assertThat((String) row.get("codec")).matches("libjpeg-turbo \\d+\\.\\d+\\.\\d+ cjpeg");
        Path out = Path.of((String) row.get("compressed_path"));
        try (ExifTool exif = new ExifTool()) {
            Map<String, Object> t = assertKept(exif, out);
            assertThat(((Number) t.get("File:EncodingProcess")).intValue()).as("progressive DCT").isEqualTo(2);
        }
        Path original = Path.of((String) row.get("original_path"));
        assertThat(Files.size(out)).isLessThan(Files.size(original));
        System.out.printf("JpegEncoderIT cjpeg: original %d, plain mjpeg %d, output %d bytes, SSIM %s%n",
                Files.size(original), Files.size(plainMjpeg(original)), Files.size(out), row.get("ssim"));
        assertThat(Files.list(tmp.resolve("cjpeg").resolve("home").resolve("work").resolve(".compress-scratch")))
                .as("no PPM left behind").isEmpty();
    }

    @Test
    void aMissingLibjpegTurboToolFallsBackToFfmpegWithOneWarning() throws Exception {
        Map<String, Map<String, Object>> rows;
        List<String> warnings;
        try (LogCapture log = LogCapture.of("io.mediapipeline.compress.JpegEncoders")) {
            rows = compressAll("fallback", "pipeline.compress.image.encoder", "cjpeg",
                    "pipeline.tools.cjpeg", tmp.resolve("no-such-cjpeg").toString());
            warnings = log.messages(ch.qos.logback.classic.Level.WARN);
        }
        assertThat(rows).hasSize(2);
        Map<String, Object> row = rows.get("photo.jpg");
        assertThat(row.get("codec")).isEqualTo("mjpeg (ffmpeg)");
        assertThat(rows.get("second.jpg").get("codec")).as("the second photo too").isEqualTo("mjpeg (ffmpeg)");
        assertThat(warnings).as("one warning for the run, naming the key").singleElement().asString()
                .contains("pipeline.compress.image.encoder=cjpeg", "pipeline.tools.cjpeg", "libjpeg-turbo-progs");
        Path out = Path.of((String) row.get("compressed_path"));
        try (ExifTool exif = new ExifTool()) {
            Map<String, Object> t = assertKept(exif, out);
            assertThat(((Number) t.get("File:EncodingProcess")).intValue()).as("baseline DCT").isEqualTo(0);
        }
        assertThat(pixelsMd5(out)).isEqualTo(pixelsMd5(plainMjpeg(Path.of((String) row.get("original_path")))));
    }
}
