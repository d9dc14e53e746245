package io.mediapipeline.cluster;

import java.time.Duration;
import java.util.OptionalLong;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The leases of cluster_leases and their log in cluster_events, always on the database's clock. A lease is taken
 * only when it is free (expired or released) or already this node's; each takeover raises the epoch and writes an
 * 'acquired' event whose held_until follows the renewals, in the same transaction as the lease itself.
 */
final class Leases {

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;

    Leases(DataSource dataSource, Duration queryTimeout) {
        this.jdbc = new JdbcTemplate(dataSource);
        // a renewal that hangs is as good as failed: the lease runs out meanwhile
        jdbc.setQueryTimeout((int) Math.max(1, queryTimeout.toSeconds()));
        this.tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    /** Takes or renews the lease for {@code ttl}; the epoch held, or empty when another node holds it. */
    OptionalLong acquireOrRenew(String namespace, String node, Duration ttl) {
        return tx.execute(status -> {
            var rows = jdbc.queryForList("""
                    insert into cluster_leases as l (namespace, node, epoch, expires_at)
                    values (?, ?, 1, now() + make_interval(secs => ?))
                    on conflict (namespace) do update
                        set node = excluded.node,
                            epoch = case when l.node = excluded.node and l.expires_at > now() then l.epoch
                                         else l.epoch + 1 end,
                            expires_at = excluded.expires_at
                        where l.node = excluded.node or l.expires_at <= now()
                    returning epoch""", Long.class, namespace, node, (double) ttl.toMillis() / 1000);
            if (rows.isEmpty()) {
                return OptionalLong.empty();
            }
            long epoch = rows.get(0);
            int renewed = jdbc.update("""
                    update cluster_events set held_until = l.expires_at
                    from cluster_leases l
                    where cluster_events.namespace = ? and cluster_events.epoch = ? and cluster_events.event = 'acquired'
                      and l.namespace = cluster_events.namespace""", namespace, epoch);
            if (renewed == 0) {
                jdbc.update("""
                        insert into cluster_events (namespace, node, epoch, event, held_until)
                        select namespace, node, epoch, 'acquired', expires_at from cluster_leases where namespace = ?""",
                        namespace);
            }
            return OptionalLong.of(epoch);
        });
    }

    /** Gives the lease up at once (another node may take it at its next try); false when it was not held. */
    boolean release(String namespace, String node, long epoch) {
        Boolean released = tx.execute(status -> {
            int n = jdbc.update("update cluster_leases set expires_at = now() where namespace = ? and node = ? and epoch = ?",
                    namespace, node, epoch);
            if (n == 0) {
                return false;
            }
            jdbc.update("""
                    update cluster_events set held_until = least(held_until, now())
                    where namespace = ? and epoch = ? and event = 'acquired'""", namespace, epoch);
            jdbc.update("insert into cluster_events (namespace, node, epoch, event, at) values (?, ?, ?, 'released', now())",
                    namespace, node, epoch);
            return true;
        });
        return Boolean.TRUE.equals(released);
    }

    /**
     * The one-node case: takes the namespace whoever held it (there is no one else), with a new epoch and its event,
     * held until this node stops (held_until empty). The lease itself is left expired: nothing waits for it.
     */
    long takeAlone(String namespace, String node) {
        Long epoch = tx.execute(status -> {
            Long e = jdbc.queryForObject("""
                    insert into cluster_leases as l (namespace, node, epoch, expires_at) values (?, ?, 1, now())
                    on conflict (namespace) do update set node = excluded.node, epoch = l.epoch + 1, expires_at = now()
                    returning epoch""", Long.class, namespace, node);
            jdbc.update("insert into cluster_events (namespace, node, epoch, event) values (?, ?, ?, 'acquired')",
                    namespace, node, e);
            return e;
        });
        return epoch == null ? 0 : epoch;
    }
}
