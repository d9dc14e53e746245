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
 * The launcher's class archive: made once per build from a run with nothing of the caller's (their settings point at
 * a database that is not there), usable by the JVM, holding ingest's classes, and passed to java only while it was
 * made for the jar as it is. Runs on a copy of the installed layout (the jar beside
 * bin/, config/ and the migrations), so the project's own target/ is left alone.
 */
class ClassArchiveIT {

    @TempDir
    Path tmp;

    @Test
    void archiveIsMadeOncePerJarAndUsedOnlyWhileFresh() throws Exception {
        Path project = PipelineHome.projectDir();
        Path home = tmp.resolve("opt");
        for (String dir : List.of("bin", "config", "routes", "supabase/migrations")) {
            copyTree(project.resolve(dir), home.resolve(dir));
        }
        // settings of the caller's that would reach outside the scratch home: none may take part in the run
        Files.writeString(home.resolve("config/application.properties"), """

                pipeline.db.url=jdbc:postgresql://127.0.0.1:9/not-the-training-ledger
                pipeline.target.pixel.enabled=true
                pipeline.notify.enabled=true
                """, java.nio.file.StandardOpenOption.APPEND);
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
        // the run it was made from took a photo in: ingest's classes are in it
        Process list = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + home.resolve("bin/jvm-options"), "-XX:SharedArchiveFile=" + jsa, "-XX:+PrintSharedArchiveAndExit",
                "-XX:+PrintSharedDictionary", "-jar", jar.toString()).redirectErrorStream(true).start();
        String classes = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(list.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(classes).contains("io.mediapipeline.ingest.IngestBatch", "io.mediapipeline.ledger.BatchLedger");

        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jsa).toMillis() + 1_000));
        assertThat(option(home)).as("an archive made for another jar is not passed to java").isEmpty();
        assertThat(launcher(home, "class-archive").output()).as("made again for the new jar").contains("preparing");
        assertThat(option(home)).isEqualTo("-XX:SharedArchiveFile=" + jsa);
    }

    private record Result(int code, String output) {
    }

    private static Result launcher(Path home, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", home.resolve("bin/media-pipeline").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PIPELINE_DB_URL", "jdbc:postgresql://127.0.0.1:9/not-the-training-ledger");
        Process p = pb.start();
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
