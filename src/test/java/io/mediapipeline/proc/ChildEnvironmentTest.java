package io.mediapipeline.proc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChildEnvironmentTest {

    private static final Map<String, String> JVM_ENV = Map.of(
            "PATH", "/opt/tools/bin:/usr/bin", "LANG", "C.UTF-8", "TZ", "Europe/Berlin", "HOME", "/var/lib/media",
            "PIPELINE_SOURCE_ICLOUD_PASSWORD", "apple-secret", "PIPELINE_DB_PASSWORD", "db-secret",
            "PIPELINE_TARGET_PIXEL_API_KEY", "pixel-key", "SOME_TOKEN", "tok", "AWS_SECRET_ACCESS_KEY", "aws",
            "LD_PRELOAD", "/tmp/evil.so");

    @Test
    void childEnvironmentHoldsOnlyTheAllowListAndNamedExtras() {
        Map<String, String> env = ChildEnvironment.of(JVM_ENV, Map.of("STNORESTART", "1", "TMPDIR", "/var/tmp/x"));

        assertThat(env).containsOnly(Map.entry("PATH", "/opt/tools/bin:/usr/bin"), Map.entry("LANG", "C.UTF-8"),
                Map.entry("TZ", "Europe/Berlin"), Map.entry("HOME", "/var/lib/media"),
                Map.entry("STNORESTART", "1"), Map.entry("TMPDIR", "/var/tmp/x"));
    }

    @Test
    void childWithoutPathInTheJvmStillFindsTools() {
        assertThat(ChildEnvironment.of(Map.of(), Map.of())).containsOnly(Map.entry("PATH", "/usr/local/bin:/usr/bin:/bin"));
    }

    @Test
    void startedChildSeesNoSecretOfTheJvm() throws Exception {
        // the JVM running this test has its own environment; every name in it outside the allow-list must be gone
        Process p = ChildProcess.of(new ProcessBuilder("env", "-0")).env("EXTRA_FOR_THIS_TOOL", "yes").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        Map<String, String> expected = ChildEnvironment.of(System.getenv(), Map.of("EXTRA_FOR_THIS_TOOL", "yes"));
        assertThat(out.split("\0")).containsExactlyInAnyOrderElementsOf(
                expected.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        // the names themselves, from this list and not from the class under test: a child that got the whole
        // environment (JAVA_HOME, MAVEN_*, USER, ... of the JVM running this test) fails here
        List<String> names = Arrays.stream(out.split("\0")).map(kv -> kv.substring(0, kv.indexOf('='))).toList();
        List<String> allowed = List.of("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "HOME");
        assertThat(names).as("names in the child's environment").allMatch(n -> allowed.contains(n)
                || n.equals("EXTRA_FOR_THIS_TOOL"));
        assertThat(System.getenv().keySet()).as("the JVM running this test has names outside the allow-list, or this"
                + " test proves nothing").anyMatch(n -> !allowed.contains(n));
    }
}
