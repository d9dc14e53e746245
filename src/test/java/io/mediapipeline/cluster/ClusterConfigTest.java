package io.mediapipeline.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterConfigTest {

    @TempDir
    Path app;

    private ClusterConfig load(String overrides) throws Exception {
        return ClusterConfig.from(PipelineHome.loadSettings(app, overrides, Map.of()));
    }

    @Test
    void oneNodeByDefaultNamedAfterTheHostAndProcess() throws Exception {
        ClusterConfig c = load("pipeline.node=box\n");
        assertThat(c.enabled()).isFalse();
        assertThat(c.node()).isEqualTo("box-" + ProcessHandle.current().pid());
        assertThat(c.lease()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.renew()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.claim()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void clusteringOnTheEmbeddedDatabaseIsRefusedNamingTheKeys() {
        assertThatThrownBy(() -> load("pipeline.cluster.enabled=true\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("pipeline.cluster.enabled=true needs an external PostgreSQL (pipeline.db.url)")
                .hasMessageContaining("pipeline.cluster.enabled=false");
    }

    @Test
    void clusteringOnAnExternalDatabaseTakesTheNodeName() throws Exception {
        ClusterConfig c = load("pipeline.cluster.enabled=true\npipeline.db.url=jdbc:postgresql://db.example/ledger\n"
                + "pipeline.cluster.node-id=nas-2\n");
        assertThat(c.enabled()).isTrue();
        assertThat(c.node()).isEqualTo("nas-2");
    }

    @Test
    void aRenewalNoShorterThanTheLeaseIsRefused() {
        assertThatThrownBy(() -> load("pipeline.cluster.lease-seconds=5\npipeline.cluster.renew-seconds=5\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pipeline.cluster.renew-seconds (5) must be less than");
    }
}
