package io.mediapipeline.media;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;

/** Makes small real media with ffmpeg and exiftool, so tests check behaviour on files the tools themselves wrote. */
final class Fixtures {

    private Fixtures() {
    }

    /** Runs a tool and fails the test with its stderr if it does not succeed. */
    static void run(String... command) {
        try {
            Process process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectErrorStream(true)
                    .start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new AssertionError("fixture command failed: " + Arrays.toString(command) + "\n"
                        + new String(output, StandardCharsets.UTF_8));
            }
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("cannot run " + command[0], e);
        }
    }


    /** A 160x120 test-pattern JPEG with no metadata. */
    static Path jpeg(Path file) {
        run("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=1", "-frames:v", "1",
                "-f", "image2", "-c:v", "mjpeg", file.toString());
        return file;
    }

    /** A detailed 640x480 JPEG, big enough that cutting it in half lands inside the picture data. */
    static Path detailedJpeg(Path file) {
        run("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "mandelbrot=size=640x480", "-frames:v", "1",
                "-q:v", "2", "-f", "image2", "-c:v", "mjpeg", file.toString());
        return file;
    }

    static Path png(Path file) {
        run("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=1", "-frames:v", "1",
                "-f", "image2", "-c:v", "png", file.toString());
        return file;
    }

    /** A one-second 160x120 H.264 video; extra arguments go before the output name. */
    static Path video(Path file, double seconds, String... extra) {
        List<String> command = new ArrayList<>(List.of("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                "testsrc=size=160x120:rate=10", "-t", String.valueOf(seconds), "-c:v", "libx264", "-preset",
                "ultrafast", "-pix_fmt", "yuv420p"));
        command.addAll(List.of(extra));
        command.add(file.toString());
        run(command.toArray(String[]::new));
        return file;
    }

    static Path exiftoolWrite(Path file, String... assignments) {
        List<String> command = new ArrayList<>(List.of("exiftool", "-q", "-overwrite_original"));
        command.addAll(List.of(assignments));
        command.add(file.toString());
        run(command.toArray(String[]::new));
        return file;
    }

    /**
     * A valid 64x48 32-bit floating-point grayscale TIFF, Deflate-compressed with the floating-point predictor (3),
     * as GDAL and Photoshop write HDR and elevation data: ffmpeg 5.1 does not know SampleFormat and the JDK's TIFF
     * reader refuses predictor 3, yet every byte is where the structure says.
     */
    static Path floatTiff(Path file) throws IOException {
        int width = 64;
        int height = 48;
        ByteArrayOutputStream pixels = new ByteArrayOutputStream();
        for (int y = 0; y < height; y++) {
            // the predictor splits each row into byte planes (most significant first), then differences the bytes
            byte[] row = new byte[width * 4];
            for (int x = 0; x < width; x++) {
                int bits = Float.floatToIntBits((x + y) / 112f);
                for (int b = 0; b < 4; b++) {
                    row[b * width + x] = (byte) (bits >>> (24 - 8 * b));
                }
            }
            for (int i = row.length - 1; i > 0; i--) {
                row[i] = (byte) (row[i] - row[i - 1]);
            }
            pixels.write(row);
        }
        Deflater deflater = new Deflater();
        deflater.setInput(pixels.toByteArray());
        deflater.finish();
        byte[] buffer = new byte[1 << 16];
        byte[] strip = Arrays.copyOf(buffer, deflater.deflate(buffer));
        // tag, type (3 short, 4 long, 5 rational), value; sorted by tag as TIFF requires
        int[][] entries = {{256, 3, width}, {257, 3, height}, {258, 3, 32}, {259, 3, 8}, {262, 3, 1}, {273, 4, 0},
                {277, 3, 1}, {278, 3, height}, {279, 4, strip.length}, {282, 5, 0}, {283, 5, 8}, {284, 3, 1},
                {296, 3, 2}, {317, 3, 3}, {339, 3, 3}};
        int rational = 8 + 2 + entries.length * 12 + 4;
        int data = rational + 16;
        ByteBuffer tiff = ByteBuffer.allocate(data + strip.length);
        tiff.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8).putShort((short) entries.length);
        for (int[] e : entries) {
            tiff.putShort((short) e[0]).putShort((short) e[1]).putInt(1);
            if (e[1] == 3) {
                tiff.putShort((short) e[2]).putShort((short) 0);
            } else {
                tiff.putInt(e[1] == 5 ? rational + e[2] : e[0] == 273 ? data : e[2]);
            }
        }
        tiff.putInt(0).putInt(72).putInt(1).putInt(72).putInt(1).put(strip);
        return Files.write(file, tiff.array());
    }

    /** The first part of a file, as a download or copy cut short would leave it. */
    static Path truncated(Path source, Path target, double fraction) throws IOException {
        byte[] bytes = Files.readAllBytes(source);
        Files.write(target, Arrays.copyOf(bytes, (int) (bytes.length * fraction)));
        return target;
    }
}
