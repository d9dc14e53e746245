package io.mediapipeline.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import io.mediapipeline.support.LogCapture;
import io.mediapipeline.support.PipelineHome;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The management port as configured: loopback by default, only health and metrics served, a taken port said plainly. */
class ObserveModuleTest {

    @TempDir
    Path tmp;

    private Settings settings(String overrides) throws Exception {
        return PipelineHome.loadSettings(tmp, "pipeline.home=" + tmp.resolve("home") + "\n" + overrides, Map.of());
    }

    @Test
    void camelServesHealthAndMetricsOnLoopbackAndNothingElse() throws Exception {
        Properties p = ObserveModule.camelProperties(settings(""));
        assertThat(p).containsEntry("camel.management.enabled", "true").containsEntry("camel.management.host", "127.0.0.1")
                .containsEntry("camel.management.port", "8765")
                .containsEntry("camel.management.health-check-enabled", "true")
                .containsEntry("camel.management.metrics-enabled", "true")
                .containsEntry("camel.metrics.path", "/observe/metrics")
                .containsEntry("camel.management.health-path", "/observe/health");
        for (String off : new String[] {"info", "jolokia", "dev-console", "upload", "download", "send"}) {
            assertThat(p).containsEntry("camel.management." + off + "-enabled", "false");
        }
        Properties moved = ObserveModule.camelProperties(settings("pipeline.management.port=9100\n"
                + "pipeline.management.enabled=false\n"));
        assertThat(moved).containsEntry("camel.management.port", "9100").containsEntry("camel.management.enabled", "false");
    }

    @Test
    void aBadPortOrHostStopsTheStartNamingTheKey() {
        assertThatThrownBy(() -> new ObserveModule().check(settings("pipeline.management.port=70000\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pipeline.management.port");
        assertThatThrownBy(() -> new ObserveModule().check(settings("pipeline.management.host=\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pipeline.management.host");
    }

    @Test
    void aTakenPortIsSaidBeforeCamelTriesIt() throws Exception {
        try (ServerSocket other = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = other.getLocalPort();
            assertThat(ObserveModule.sayIfPortTaken(new ManagementConfig(true, "127.0.0.1", port))).isTrue();
            assertThat(ObserveModule.sayIfPortTaken(new ManagementConfig(false, "127.0.0.1", port))).isFalse();
        }
        assertThat(ObserveModule.sayIfPortTaken(new ManagementConfig(true, "127.0.0.1", PipelineHome.freePort()))).isFalse();
    }

    @Test
    void aPortOpenBeyondThisMachineIsWarnedAbout() {
        try (LogCapture log = LogCapture.of(ObserveModule.class.getName())) {
            assertThat(ObserveModule.warnIfNotLoopback(new ManagementConfig(true, "127.0.0.1", 8765))).isFalse();
            assertThat(ObserveModule.warnIfNotLoopback(new ManagementConfig(true, "localhost", 8765))).isFalse();
            assertThat(ObserveModule.warnIfNotLoopback(new ManagementConfig(true, "::1", 8765))).isFalse();
            assertThat(ObserveModule.warnIfNotLoopback(new ManagementConfig(false, "0.0.0.0", 8765)))
                    .as("no port, nothing travels").isFalse();
            assertThat(log.messages(Level.WARN)).isEmpty();

            assertThat(ObserveModule.warnIfNotLoopback(new ManagementConfig(true, "0.0.0.0", 8765))).isTrue();
            assertThat(log.messages(Level.WARN)).singleElement().asString().contains("0.0.0.0")
                    .contains("pipeline.management.host").contains("plain HTTP");
        }
    }
}
