package io.mediapipeline.cluster;

import java.util.HashSet;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/** What the ledger says of the other nodes. */
public final class Peers {

    private Peers() {
    }

    /**
     * Whether another node is at work now: it holds a live lease or a live claim on a file. Then this node's start
     * must not sweep temp files: they may be that node's writes in flight, not a crash's leftovers.
     */
    public static boolean working(DataSource dataSource, String node) {
        return Boolean.TRUE.equals(new JdbcTemplate(dataSource).queryForObject("""
                select exists (select 1 from cluster_leases where node <> ? and expires_at > now())
                    or exists (select 1 from work_claims where node <> ? and not done and expires_at > now())""",
                Boolean.class, node, node));
    }

    /** The nodes that hold a live lease or a live claim (a finished claim too: it still names its node). */
    public static Set<String> alive(DataSource dataSource) {
        return new HashSet<>(new JdbcTemplate(dataSource).queryForList("""
                select node from cluster_leases where expires_at > now()
                union select node from work_claims where expires_at > now()""", String.class));
    }
}
