package io.mediapipeline.install;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.support.PipelineHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's class archive: made once per build from a run with nothing of the caller's, usable by the JVM, and
 * passed to java only while it is not older than the jar. Runs on a copy of the installed layout (the jar beside
 * bin/, config/ and the migrations), so the project's own target/ is left alone.
 */
class ClassArchiveIT {

    @TempDir
    Path tmp;

    @Test
    void archiveIsMadeOncePerJarAndUsedOnlyWhileFresh() throws Exception {
        Path project = PipelineHome.projectDir();
        Path home = tmp.resolve("opt");
        for (String dir : List.of("bin", "config", "supabase/migrations")) {
            copyTree(project.resolve(dir), home.resolve(dir));
        }
        Path jar = Files.copy(project.resolve("target/media-pipeline.jar"), home.resolve("media-pipeline.jar"));
        Files.createSymbolicLink(home.resolve("lib"), project.resolve("target/lib"));
        Path jsa = home.resolve("media-pipeline.jsa");

        Result made = launcher(home, "class-archive");
        assertThat(made.output()).contains("preparing faster start-up");
        assertThat(jsa).exists();
        assertThat(Files.size(jsa)).as("the classes of a whole run").isGreaterThan(1 << 20);
        assertThat(launcher(home, "class-archive").output()).as("made once").doesNotContain("preparing");
        assertThat(option(home)).isEqualTo("-XX:SharedArchiveFile=" + jsa);

        // -Xshare:on: the JVM refuses to start unless it can map the archive
        Process java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + home.resolve("bin/jvm-options"), "-Xshare:on", "-XX:SharedArchiveFile=" + jsa, "-jar",
                jar.toString(), "--help").redirectErrorStream(true).start();
        String help = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(java.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(java.exitValue()).as(help).isZero();
        assertThat(help).startsWith("usage: media-pipeline").doesNotContain("warning");

        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jsa).toMillis() + 1_000));
        assertThat(option(home)).as("an archive older than the jar is not passed to java").isEmpty();
        assertThat(launcher(home, "class-archive").output()).as("made again for the new jar").contains("preparing");
        assertThat(option(home)).isEqualTo("-XX:SharedArchiveFile=" + jsa);
    }

    private record Result(int code, String output) {
    }

    private static Result launcher(Path home, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", home.resolve("bin/media-pipeline").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return new Result(p.exitValue(), out);
    }

    private static String option(Path home) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", "source \"$1\"; class_archive_option", "bash",
                home.resolve("bin/media-pipeline").toString()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
