package io.mediapipeline.install;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.support.PipelineHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped unit passes systemd's own check, and the check catches a broken copy. */
class UnitFileTest {

    static final Path UNIT = PipelineHome.projectDir().resolve("systemd/media-pipeline.service");

    @TempDir
    Path tmp;

    @Test
    void theUnitPassesSystemdAnalyzeVerify() throws Exception {
        SystemdVerify result = SystemdVerify.of(UNIT);
        assertThat(result.clean(UNIT)).as("systemd-analyze verify said: %s", result.output()).isTrue();
    }

    @Test
    void aUnitWithoutACommandFailsTheCheck() throws Exception {
        Path broken = copy(Files.readString(UNIT).replaceAll("(?s)ExecStart=.*?\\.properties\\n", ""));
        assertThat(Files.readString(broken)).doesNotContain("ExecStart=");
        SystemdVerify result = SystemdVerify.of(broken);
        assertThat(result.exit()).as(result.output()).isNotZero();
    }

    @Test
    void aKeyInTheWrongSectionFailsTheCheck() throws Exception {
        // where the start limit used to be: systemd ignores the interval in [Service] (exit 0, one line)
        String text = Files.readString(UNIT).replace("RestartSec=30\n", "RestartSec=30\nStartLimitIntervalSec=600\n");
        Path broken = copy(text);
        SystemdVerify result = SystemdVerify.of(broken);
        assertThat(result.output()).contains("StartLimitIntervalSec");
        assertThat(result.clean(broken)).isFalse();
    }

    @Test
    void theServiceRestartsOnFailureButNeverInALoop() throws Exception {
        Map<String, Map<String, List<String>>> unit = sections(Files.readString(UNIT));
        Map<String, List<String>> service = unit.get("Service");
        assertThat(service.get("SuccessExitStatus")).containsExactly("143");
        assertThat(service.get("Restart")).containsExactly("on-failure");
        assertThat(Integer.parseInt(service.get("RestartSec").get(0))).isGreaterThanOrEqualTo(10);
        // honoured only in [Unit]: at most StartLimitBurst starts per interval, then systemd stops trying
        Map<String, List<String>> head = unit.get("Unit");
        int burst = Integer.parseInt(head.get("StartLimitBurst").get(0));
        int interval = Integer.parseInt(head.get("StartLimitIntervalSec").get(0));
        assertThat(burst * Integer.parseInt(service.get("RestartSec").get(0))).as("the limit is reachable")
                .isLessThan(interval);
        assertThat(service).doesNotContainKeys("StartLimitIntervalSec", "StartLimitBurst");
    }

    @Test
    void theServiceWritesOnlyItsDataDirectoryAndReadsItsSecretsFromTheEnvironmentFile() throws Exception {
        Map<String, List<String>> service = sections(Files.readString(UNIT)).get("Service");
        assertThat(service.get("ProtectSystem")).containsExactly("strict");
        assertThat(service.get("ReadWritePaths")).containsExactly("/var/lib/media-pipeline");
        assertThat(sections(Files.readString(UNIT)).get("Unit").get("RequiresMountsFor"))
                .containsExactly("/var/lib/media-pipeline");
        assertThat(service.get("EnvironmentFile")).containsExactly("/etc/media-pipeline/env");
        String exec = service.get("ExecStart").get(0);
        assertThat(exec).contains("--config /etc/media-pipeline/media-pipeline.properties",
                "-Dcom.sun.management.config.file=/etc/media-pipeline/jmx.properties", "-Djava.rmi.server.hostname=127.0.0.1");
        assertThat(exec).doesNotContainIgnoringCase("password").doesNotContainIgnoringCase("token");
    }

    private Path copy(String text) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("unit"));
        return Files.writeString(dir.resolve("media-pipeline.service"), text);
    }

    /** section -> key -> values, with continued lines joined (enough of systemd's syntax for this unit). */
    static Map<String, Map<String, List<String>>> sections(String text) {
        Map<String, Map<String, List<String>>> out = new LinkedHashMap<>();
        Map<String, List<String>> current = null;
        for (String line : text.replace("\\\n", " ").split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith(";")) {
                continue;
            }
            if (l.startsWith("[")) {
                current = out.computeIfAbsent(l.substring(1, l.length() - 1), k -> new LinkedHashMap<>());
            } else if (current != null && l.contains("=")) {
                int eq = l.indexOf('=');
                current.computeIfAbsent(l.substring(0, eq).strip(), k -> new ArrayList<>()).add(l.substring(eq + 1).strip());
            }
        }
        return out;
    }
}
