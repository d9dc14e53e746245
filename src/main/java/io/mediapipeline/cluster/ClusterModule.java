package io.mediapipeline.cluster;

import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Stage;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.spi.IdempotentRepository;

/**
 * Several nodes on one ledger, as a module: the cluster service the {@code master:} routes ask who leads (the lease in
 * the ledger, or the one-node service that always leads) and the file claims the per-file consumers take
 * ("fileClaims": in the ledger, or in memory for one node). Not a stage: it moves no file.
 */
public class ClusterModule implements Stage {

    private ClusterConfig config;

    @Override
    public void check(Settings settings) {
        config = ClusterConfig.from(settings);
    }

    private ClusterConfig config(Settings settings) {
        if (config == null) {
            config = ClusterConfig.from(settings);
        }
        return config;
    }

    @BindToRegistry("fileClaims")
    public IdempotentRepository fileClaims(Settings settings, DataSource dataSource) {
        ClusterConfig c = config(settings);
        return c.enabled() ? new LedgerClaims(dataSource, c.node(), c.claim(), settings.home()) : new LocalClaims();
    }

    /** The cluster service is a context service (where master: looks for it), started before any route. */
    @Override
    public void configure(CamelContext camel) throws Exception {
        Settings settings = camel.getRegistry().findSingleByType(Settings.class);
        DataSource dataSource = camel.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        ClusterConfig c = config(settings);
        CamelClusterService service = c.enabled()
                ? new LedgerClusterService(dataSource, c.node(), c.lease(), c.renew())
                : new StandaloneClusterService(dataSource, c.node());
        camel.addService(service, true, true);
    }
}
