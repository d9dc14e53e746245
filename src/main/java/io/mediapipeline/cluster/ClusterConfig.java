package io.mediapipeline.cluster;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import java.time.Duration;

/**
 * The pipeline.cluster.* settings, checked once. Clustering needs an external PostgreSQL: the embedded one lives
 * inside one node's JVM, so the others could not reach it (and it would die with that node).
 *
 * @param node  this instance's name in leases, claims and events (unique per running instance)
 */
public record ClusterConfig(boolean enabled, String node, Duration lease, Duration renew, Duration claim) {

    private static final String P = "pipeline.cluster.";

    public static ClusterConfig from(Settings s) {
        boolean enabled = s.bool(P + "enabled");
        String id = s.get(P + "node-id").strip();
        String node = id.isEmpty() ? s.node() + "-" + ProcessHandle.current().pid() : id;
        int lease = s.positive(P + "lease-seconds");
        int renew = s.positive(P + "renew-seconds");
        if (renew >= lease) {
            throw new ConfigException(P + "renew-seconds (" + renew + ") must be less than " + P + "lease-seconds ("
                    + lease + "): a leader renews its lease before it expires");
        }
        int claim = s.positive(P + "claim-seconds");
        if (claim < 3) {
            throw new ConfigException(P + "claim-seconds: at least 3 (a claim is renewed every third of it)");
        }
        if (enabled && s.get("pipeline.db.url").isBlank()) {
            throw new ConfigException(P + "enabled=true needs an external PostgreSQL (pipeline.db.url): the embedded "
                    + "database lives inside one node and the others cannot share it; set pipeline.db.url or "
                    + P + "enabled=false");
        }
        return new ClusterConfig(enabled, node, Duration.ofSeconds(lease), Duration.ofSeconds(renew),
                Duration.ofSeconds(claim));
    }
}
