package io.mediapipeline.cluster;

import io.mediapipeline.flow.Handoff;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.apache.camel.cluster.CamelClusterView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node that dies between a ledger write and its hand-off (ingest committed, the link into work/organize/ not made
 * yet) leaves a file that no queue holds; one node alone finds it at its next start (each stage's recovery pass), but
 * the other nodes of a cluster go on without restarting. So every node watches which nodes hold live leases or
 * claims, and when one is gone (its claims expired: it can write nothing more) the leader of "handoff-recovery" runs
 * the stages' recovery passes. Only then: a pass also retries failures, which must not happen on every tick.
 */
final class LostHandoffs implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(LostHandoffs.class);

    private final DataSource dataSource;
    private final String node;
    private final Handoff handoff;
    private final CamelClusterView view;
    private Set<String> seen = Set.of();
    private final Set<String> unrecovered = new TreeSet<>();

    LostHandoffs(DataSource dataSource, String node, Handoff handoff, CamelClusterView view) {
        this.dataSource = dataSource;
        this.node = node;
        this.handoff = handoff;
        this.view = view;
    }

    @Override
    public void run() {
        try {
            Set<String> alive = Peers.alive(dataSource);
            for (String n : seen) {
                if (!alive.contains(n) && !n.equals(node)) {
                    unrecovered.add(n);
                }
            }
            unrecovered.removeAll(alive);
            seen = alive;
            if (unrecovered.isEmpty() || !view.getLocalMember().isLeader()) {
                return;
            }
            Map<String, Integer> queued = handoff.recoverLost();
            if (queued.isEmpty()) {
                LOG.info("Node(s) {} stopped; no hand-off of theirs was lost", unrecovered);
            } else {
                LOG.warn("Node(s) {} stopped between ledger writes and hand-offs: re-queued {}", unrecovered, queued);
            }
            unrecovered.clear();
        } catch (IOException | RuntimeException e) {
            // the stopped nodes stay in the list: the next tick tries again
            LOG.warn("Could not recover the hand-offs of stopped node(s) {}: {}", unrecovered, e.toString());
        }
    }
}
