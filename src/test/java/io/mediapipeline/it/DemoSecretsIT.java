package io.mediapipeline.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.support.PipelineHome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `bin/media-pipeline demo` as a user runs it: every file that holds the Syncthing API key is private. */
class DemoSecretsIT {

    private static final Set<PosixFilePermission> SHARED = Set.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE);

    @TempDir
    Path tmp;

    @Test
    void demoKeepsTheSyncthingApiKeyInPrivateFiles() throws Exception {
        Path project = PipelineHome.projectDir();
        Path base = tmp.resolve("demo");
        ProcessBuilder pb = new ProcessBuilder(project.resolve("bin/media-pipeline").toString(), "demo")
                .directory(project.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("demo.log").toFile());
        pb.environment().put("DEMO_DIR", base.toString());
        Process demo = pb.start();
        assertThat(demo.waitFor(15, TimeUnit.MINUTES)).as("demo finished").isTrue();
        String log = Files.readString(tmp.resolve("demo.log"));
        assertThat(demo.exitValue()).as(log).isEqualTo(0);

        Properties pixel = new Properties();
        try (var r = Files.newBufferedReader(base.resolve("syncthing/pixel.properties"))) {
            pixel.load(r);
        }
        String key = pixel.getProperty("pipeline.target.pixel.api-key");
        assertThat(key).isNotBlank();
        assertThat(log).doesNotContain(key);
        List<Path> holders = new ArrayList<>();
        try (Stream<Path> all = Files.walk(base)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                if (new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1).contains(key)) {
                    holders.add(p);
                    assertThat(Files.getPosixFilePermissions(p)).as(p + " holds the API key").doesNotContainAnyElementsOf(SHARED);
                }
            }
        }
        assertThat(holders).as("the files that hold the key").contains(base.resolve("demo.properties"),
                base.resolve("syncthing/pixel.properties"));
        // the dashboard's URL with the demo's own token, for the owner's terminal; the token file is private
        String token = Files.readString(base.resolve("management.token"));
        assertThat(token).matches("[0-9a-f]{64}");
        // the address with the demo's own token, and no claim that it is served once the demo's pipeline has exited
        assertThat(log).contains("Dashboard: not served now")
                .containsPattern("at http://127\\.0\\.0\\.1:[0-9]+/\\?token=" + token + " ");
        assertThat(Files.getPosixFilePermissions(base.resolve("management.token"))).doesNotContainAnyElementsOf(SHARED);
        for (Path dir : List.of(base, base.resolve("syncthing"))) {
            assertThat(Files.getPosixFilePermissions(dir)).as(dir + " is private").doesNotContainAnyElementsOf(SHARED);
        }
    }
}
