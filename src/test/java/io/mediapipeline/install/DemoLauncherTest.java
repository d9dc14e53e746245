package io.mediapipeline.install;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.support.PipelineHome;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's part of `demo` that makes the dashboard's URL: its token, its port, the line it prints. */
class DemoLauncherTest {

    static final Path LAUNCHER = PipelineHome.projectDir().resolve("bin/media-pipeline");

    @TempDir
    Path tmp;

    @Test
    void theDemoTokenIsRandomPrivateAndKeptAcrossRuns() throws Exception {
        Result r = source("demo_token \"$1\"; echo; demo_token \"$1\"; echo; demo_token \"$2\"", Map.of(),
                tmp.toString(), Files.createDirectories(tmp.resolve("other")).toString());
        List<String> tokens = r.out().lines().toList();
        assertThat(tokens).hasSize(3);
        assertThat(tokens.get(0)).matches("[0-9a-f]{64}").isEqualTo(tokens.get(1)).isNotEqualTo(tokens.get(2));
        Path file = tmp.resolve("management.token");
        assertThat(Files.readString(file)).isEqualTo(tokens.get(0));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void theUrlCarriesPortAndToken() throws Exception {
        assertThat(source("dashboard_url 8765 abc123", Map.of()).out()).isEqualTo("http://127.0.0.1:8765/?token=abc123\n");
    }

    @Test
    void withoutServeTheUrlIsNotPassedOffAsLiveAndSaysHowToServeIt() throws Exception {
        String out = source("dashboard_later 8765 abc123", Map.of()).out();
        assertThat(out).contains("not served now", "bin/media-pipeline demo --serve", "http://127.0.0.1:8765/?token=abc123");
        assertThat(out.lines().findFirst().orElseThrow()).doesNotContain("http://");
    }

    @Test
    void theDemoExitsZeroWhenTheSamplesBadFilesAreQuarantinedAndFourWhenNotAllDone() throws Exception {
        assertThat(source("for rc in 0 3 4 1; do demo_exit $rc; done", Map.of()).out().lines())
                .containsExactly("0", "0", "4", "1");
    }

    @Test
    void ctrlCOnServeStopsThePipelineAndExitsWithTheDemoRunsStatus() throws Exception {
        // a stand-in for the JVM: says when it gets SIGTERM (how the launcher stops the real one), then exits as Java does
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path stopped = tmp.resolve("stopped");
        Path java = Files.writeString(bin.resolve("java"), "#!/usr/bin/env bash\n"
                + "trap 'echo TERM > \"$STOPPED\"; kill $!; exit 143' TERM\n: > \"$STOPPED.ready\"\nsleep 60 & wait\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (ServerSocket dashboard = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ProcessBuilder pb = new ProcessBuilder("bash", "-c", "source \"$1\"; sleep 60 & serve_demo \"$2\" \"$3\" tok $! 4",
                    "bash", LAUNCHER.toString(), tmp.toString(), String.valueOf(dashboard.getLocalPort()))
                    .redirectErrorStream(true);
            pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
            pb.environment().put("STOPPED", stopped.toString());
            Process p = pb.start();
            StringBuilder out = new StringBuilder();
            try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    out.append(line).append('\n');
                    if (line.contains("serving until Ctrl-C")) {
                        waitFor(Path.of(stopped + ".ready"));
                        // Ctrl-C: SIGINT to the launcher
                        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
                    }
                }
            }
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(out.toString()).isTrue();
            assertThat(out).contains("http://127.0.0.1:" + dashboard.getLocalPort() + "/?token=tok");
            assertThat(p.exitValue()).as(out.toString()).isEqualTo(4);
            assertThat(stopped).as(out.toString()).hasContent("TERM");
        }
    }

    @Test
    void theDemoDoesNotTakeAPortSomethingListensOn() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = busy.getLocalPort();
            int chosen = Integer.parseInt(source("demo_port", Map.of("DEMO_PORT", String.valueOf(port))).out().strip());
            assertThat(chosen).isGreaterThan(port).isLessThanOrEqualTo(port + 50);
        }
    }

    @Test
    void anUnknownDemoOptionIsRefusedBeforeAnythingIsInstalledOrBuilt() throws Exception {
        Process p = new ProcessBuilder(LAUNCHER.toString(), "demo", "--serv").redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out.toString()).isEqualTo(2);
        assertThat(out).contains("demo [--serve]");
    }

    private static void waitFor(Path file) throws InterruptedException {
        for (int i = 0; i < 200 && !Files.exists(file); i++) {
            Thread.sleep(50);
        }
        assertThat(file).exists();
    }

    record Result(int exit, String out) {
    }

    /** Runs SCRIPT in bash after sourcing the launcher (which then defines its functions and runs no command). */
    private static Result source(String script, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", "-c", "launcher=$1; shift; source \"$launcher\"; " + script, "bash",
                LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(err).isZero();
        return new Result(p.exitValue(), out);
    }
}
