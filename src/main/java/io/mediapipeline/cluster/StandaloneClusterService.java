package io.mediapipeline.cluster;

import javax.sql.DataSource;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.support.cluster.AbstractCamelClusterService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-node cluster service (pipeline.cluster.enabled=false): this node leads every namespace, so the
 * {@code master:} routes run as they would without it. Each namespace's leadership is still written to the ledger
 * once, at start (a new epoch and its 'acquired' event), so the events tell which node did what either way; with no
 * data source (route tests) nothing is written.
 */
public final class StandaloneClusterService extends AbstractCamelClusterService<StandaloneClusterService.AlwaysLeader> {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneClusterService.class);

    private final Leases leases;
    private final String node;

    public StandaloneClusterService(DataSource dataSource, String node) {
        super("standalone");
        this.leases = dataSource == null ? null : new Leases(dataSource, java.time.Duration.ofSeconds(30));
        this.node = node;
    }

    @Override
    protected AlwaysLeader createView(String namespace) {
        return new AlwaysLeader(this, namespace);
    }

    /** A namespace this node alone leads. */
    final class AlwaysLeader extends OneMemberView {

        AlwaysLeader(CamelClusterService service, String namespace) {
            super(service, namespace, node);
        }

        @Override
        protected void doStart() {
            if (leases == null) {
                return;
            }
            try {
                leases.takeAlone(getNamespace(), node);
            } catch (RuntimeException e) {
                // only the record is missing: the one node leads regardless
                LOG.warn("Could not record {} leading {} in the ledger: {}", node, getNamespace(), e.getMessage());
            }
        }

        @Override
        protected void doStop() {
            // nothing held: the lease row was left expired at start
        }

        @Override
        boolean leads() {
            return true;
        }
    }
}
