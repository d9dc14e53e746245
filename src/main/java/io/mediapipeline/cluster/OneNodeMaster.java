package io.mediapipeline.cluster;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.util.StringHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code master:NAMESPACE:URI} for one node (pipeline.cluster.enabled=false): the route's endpoint is URI itself,
 * started with the route as it would be without {@code master:} (Camel's master consumer starts its route a second
 * late, which `once` would not wait for). Each namespace's leadership is still written to the ledger once, at start
 * (a new epoch and its 'acquired' event), so the events say which node led either way; with no data source (route
 * tests) nothing is written.
 */
public final class OneNodeMaster extends DefaultComponent {

    private static final Logger LOG = LoggerFactory.getLogger(OneNodeMaster.class);

    private final Leases leases;
    private final String node;
    private final Set<String> recorded = ConcurrentHashMap.newKeySet();

    public OneNodeMaster(DataSource dataSource, String node) {
        this.leases = dataSource == null ? null : new Leases(dataSource, Duration.ofSeconds(30));
        this.node = node;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) {
        String namespace = StringHelper.before(remaining, ":");
        String delegate = StringHelper.after(remaining, ":");
        if (namespace == null || namespace.isEmpty() || delegate == null || delegate.isEmpty()) {
            throw new IllegalArgumentException("expected master:NAMESPACE:URI, got " + uri);
        }
        // the parameters are the delegate's, as Camel's master component passes them on
        int query = uri.indexOf('?');
        if (query >= 0 && !parameters.isEmpty()) {
            delegate = delegate + uri.substring(query);
        }
        parameters.clear();
        record(namespace);
        return getCamelContext().getEndpoint(delegate);
    }

    @Override
    public boolean useRawUri() {
        return true;
    }

    private void record(String namespace) {
        if (leases == null || !recorded.add(namespace)) {
            return;
        }
        try {
            leases.takeAlone(namespace, node);
        } catch (RuntimeException e) {
            // only the record is missing: the one node leads regardless
            LOG.warn("Could not record {} leading {} in the ledger: {}", node, namespace, e.getMessage());
        }
    }
}
