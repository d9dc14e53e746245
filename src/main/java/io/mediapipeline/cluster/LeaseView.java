package io.mediapipeline.cluster;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.camel.cluster.CamelClusterService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One namespace's lease as Camel sees it. This node counts itself leader only until its own deadline: the lease's
 * length from the moment it sent the renewal (before the database's now(), so the deadline falls before the
 * expiry the database recorded and two nodes never both believe they lead), less a margin for its routes to stop.
 */
final class LeaseView extends OneMemberView {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseView.class);

    private final String node;
    private final Leases leases;
    private final Duration lease;
    private final Duration renew;
    private final Supplier<ScheduledExecutorService> database;
    private final Supplier<ScheduledExecutorService> watchdog;
    private final Object lock = new Object();
    private long epoch;
    private long deadline;
    private boolean leader;
    private ScheduledFuture<?> ticks;
    private ScheduledFuture<?> watch;

    LeaseView(CamelClusterService service, String namespace, String node, Leases leases, Duration lease,
              Duration renew, Supplier<ScheduledExecutorService> database, Supplier<ScheduledExecutorService> watchdog) {
        super(service, namespace, node);
        this.node = node;
        this.leases = leases;
        this.lease = lease;
        this.renew = renew;
        this.database = database;
        this.watchdog = watchdog;
    }

    @Override
    protected void doStart() {
        ticks = database.get().scheduleWithFixedDelay(this::tick, 0, renew.toMillis(), TimeUnit.MILLISECONDS);
        watch = watchdog.get().scheduleWithFixedDelay(this::watch, 250, 250, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() {
        ticks.cancel(false);
        watch.cancel(false);
        long held;
        synchronized (lock) {
            held = leader ? epoch : 0;
        }
        if (held > 0) {
            lose("this node stops");
            try {
                leases.release(getNamespace(), node, held);
            } catch (RuntimeException e) {
                LOG.warn("Could not release the lease on {} (it expires by itself): {}", getNamespace(), e.getMessage());
            }
        }
    }

    private void tick() {
        long sent = System.nanoTime();
        OptionalLong held;
        try {
            held = leases.acquireOrRenew(getNamespace(), node, lease);
        } catch (RuntimeException e) {
            LOG.warn("Cluster lease {}: the ledger did not answer ({}); leading only until the lease runs out",
                    getNamespace(), e.getMessage());
            return;
        }
        if (held.isEmpty()) {
            lose("another node holds the lease");
            return;
        }
        boolean taken;
        synchronized (lock) {
            if (leader && epoch != held.getAsLong()) {
                // our lease ran out and was taken again: a new leadership, the old one ended
                leader = false;
            }
            taken = !leader;
            epoch = held.getAsLong();
            deadline = sent + lease.toNanos() - margin();
            leader = true;
        }
        if (taken) {
            LOG.info("Cluster: {} leads {} (epoch {})", node, getNamespace(), held.getAsLong());
            fireLeadershipChangedEvent(getLocalMember());
        }
    }

    /**
     * How long before the lease runs out this node stops leading: time for the master consumers to stop the routes
     * before another node may take the lease (a renewal interval, at most a fifth of the lease).
     */
    private long margin() {
        return Math.min(renew.toNanos(), lease.toNanos() / 5);
    }

    private void watch() {
        boolean late;
        synchronized (lock) {
            late = leader && System.nanoTime() - deadline >= 0;
        }
        if (late) {
            lose("the lease was not renewed in time");
        }
    }

    private void lose(String why) {
        long was;
        synchronized (lock) {
            if (!leader) {
                return;
            }
            leader = false;
            was = epoch;
        }
        LOG.warn("Cluster: {} no longer leads {} (epoch {}): {}; its routes stop", node, getNamespace(), was, why);
        fireLeadershipChangedEvent(Optional.empty());
    }

    OptionalLong epoch() {
        synchronized (lock) {
            return leader ? OptionalLong.of(epoch) : OptionalLong.empty();
        }
    }

    @Override
    boolean leads() {
        synchronized (lock) {
            return leader && System.nanoTime() - deadline < 0;
        }
    }
}
