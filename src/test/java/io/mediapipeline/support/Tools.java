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
}
