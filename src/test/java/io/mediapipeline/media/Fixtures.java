package io.mediapipeline.media;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

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

    /** The first part of a file, as a download or copy cut short would leave it. */
    static Path truncated(Path source, Path target, double fraction) throws IOException {
        byte[] bytes = Files.readAllBytes(source);
        Files.write(target, Arrays.copyOf(bytes, (int) (bytes.length * fraction)));
        return target;
    }
}
