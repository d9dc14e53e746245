package io.mediapipeline.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs ffmpeg/exiftool for tests that make their own media; fails loudly with the tool's output. */
public final class Tools {

    private Tools() {
    }

    public static String run(Path workDir, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(cmd[0] + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** n distinct small JPEGs (one ffmpeg call), all taken at the given local date-time (one exiftool call). */
    public static List<Path> photos(Path dir, String prefix, int n, String exifDateTime) {
        run(dir, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=10",
                "-frames:v", String.valueOf(n), "-q:v", "5", prefix + "%04d.jpg");
        List<String> cmd = new ArrayList<>(List.of("exiftool", "-q", "-overwrite_original",
                "-DateTimeOriginal=" + exifDateTime));
        List<Path> files = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            Path f = dir.resolve(String.format("%s%04d.jpg", prefix, i));
            files.add(f);
            cmd.add(f.getFileName().toString());
        }
        run(dir, cmd.toArray(String[]::new));
        return files;
    }

    /** Whether an executable of that name is on the PATH. */
    public static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Writes an executable shell script (a stand-in or wrapper for a tool) into dir and returns its path. */
    public static Path script(Path dir, String name, String body) {
        try {
            Path file = Files.createDirectories(dir).resolve(name);
            Files.writeString(file, body);
            if (!file.toFile().setExecutable(true)) {
                throw new IOException("cannot make " + file + " executable");
            }
            return file;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A 640x480 JPEG of about 100 KB with that DateTimeOriginal, written into dir; returns its bytes. */
    public static byte[] datedJpeg(Path dir, String name, String exifDateTime) {
        run(dir, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x480", "-frames:v", "1", "-q:v", "2", name);
        run(dir, "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=" + exifDateTime, name);
        try {
            return Files.readAllBytes(dir.resolve(name));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A thread (not started) that writes bytes to target in about `chunks` pieces, pausing after each; then runs whenDone. */
    public static Thread slowWriter(Path target, byte[] bytes, int chunks, long pauseMillis, Runnable whenDone) {
        return new Thread(() -> {
            try (var out = Files.newOutputStream(target)) {
                int chunk = bytes.length / chunks + 1;
                for (int off = 0; off < bytes.length; off += chunk) {
                    out.write(bytes, off, Math.min(chunk, bytes.length - off));
                    out.flush();
                    Thread.sleep(pauseMillis);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            whenDone.run();
        });
    }
}
