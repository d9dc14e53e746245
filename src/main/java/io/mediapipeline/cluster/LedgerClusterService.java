package io.mediapipeline.cluster;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.sql.DataSource;
import org.apache.camel.support.cluster.AbstractCamelClusterService;

/**
 * Camel's cluster service over a lease in the ledger: {@code master:NAMESPACE:...} routes run on the node whose view
 * of NAMESPACE leads. Each view tries to take or renew its lease every renew interval; one that cannot renew in time
 * (the database unreachable, the lease taken) says so and its master consumer stops the route's consumer.
 * Two threads: one for the database calls, one that watches the deadlines, so a hung connection cannot keep a
 * leadership alive past its lease.
 */
public final class LedgerClusterService extends AbstractCamelClusterService<LeaseView> {

    private final Leases leases;
    private final String node;
    private final Duration lease;
    private final Duration renew;
    private ScheduledExecutorService database;
    private ScheduledExecutorService watchdog;

    public LedgerClusterService(DataSource dataSource, String node, Duration lease, Duration renew) {
        super("ledger-lease");
        this.leases = new Leases(dataSource, renew);
        this.node = node;
        this.lease = lease;
        this.renew = renew;
    }

    public String node() {
        return node;
    }

    @Override
    protected void doStart() throws Exception {
        database = Executors.newSingleThreadScheduledExecutor(daemon("cluster-lease"));
        watchdog = Executors.newSingleThreadScheduledExecutor(daemon("cluster-lease-watch"));
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        database.shutdownNow();
        watchdog.shutdownNow();
    }

    @Override
    protected LeaseView createView(String namespace) {
        return new LeaseView(this, namespace, node, leases, lease, renew, () -> database, () -> watchdog);
    }

    /** Namespace -> epoch of every lease this node holds now (for status and health). */
    public Map<String, Long> leaderships() {
        Map<String, Long> held = new TreeMap<>();
        for (String ns : getNamespaces()) {
            try {
                getView(ns).unwrap(LeaseView.class).epoch().ifPresent(e -> held.put(ns, e));
            } catch (Exception e) {
                // a view that cannot be looked up holds nothing
            }
        }
        return held;
    }

    static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
