package io.mediapipeline.cluster;

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
}
