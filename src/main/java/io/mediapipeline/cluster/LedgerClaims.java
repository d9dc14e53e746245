package io.mediapipeline.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Files claimed in the ledger (work_claims), as the file consumers' read lock ({@code readLock=idempotent} or
 * {@code idempotent-changed} with {@code readLockIdempotentRepository=#fileClaims}): a node takes a file only when no
 * other node's claim on it is alive, renews its claims while the work runs, and on success leaves the claim to
 * expire (done) so a node that listed the folder before the file was finished does not take it meanwhile; a failure
 * releases it at once. A node that dies stops renewing: its files are free again after the claim's length. Times
 * are the database's. Keys are the files' paths below the data directory, so nodes that mount the share at different
 * places agree.
 */
public final class LedgerClaims extends ServiceSupport implements IdempotentRepository {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerClaims.class);
    static final String STAGE = "file";

    private final JdbcTemplate jdbc;
    private final String node;
    private final Duration ttl;
    private final String home;
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private ScheduledExecutorService renewer;

    public LedgerClaims(DataSource dataSource, String node, Duration ttl, Path home) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.node = node;
        this.ttl = ttl;
        this.home = home.toAbsolutePath().normalize() + "/";
    }

    private String key(String file) {
        return file.startsWith(home) ? file.substring(home.length()) : file;
    }

    private double seconds() {
        return (double) ttl.toMillis() / 1000;
    }

    /** Claims the file; false when another node's claim is alive (or the ledger cannot say: the file waits). */
    @Override
    public boolean add(String file) {
        String key = key(file);
        try {
            int n = jdbc.update("""
                    insert into work_claims as c (stage, key, node, expires_at)
                    values (?, ?, ?, now() + make_interval(secs => ?))
                    on conflict (stage, key) do update
                        set node = excluded.node, expires_at = excluded.expires_at, done = false
                        where c.expires_at <= now()""", STAGE, key, node, seconds());
            if (n == 1) {
                held.add(key);
                return true;
            }
            return false;
        } catch (RuntimeException e) {
            LOG.warn("Could not claim {} in the ledger ({}); left for a later poll", key, e.getMessage());
            return false;
        }
    }

    @Override
    public boolean contains(String file) {
        return Boolean.TRUE.equals(jdbc.queryForObject(
                "select exists (select 1 from work_claims where stage = ? and key = ? and expires_at > now())",
                Boolean.class, STAGE, key(file)));
    }

    /** Releases the claim at once (the work failed or was rolled back: any node may take the file again). */
    @Override
    public boolean remove(String file) {
        String key = key(file);
        held.remove(key);
        return jdbc.update("delete from work_claims where stage = ? and key = ? and node = ?", STAGE, key, node) == 1;
    }

    /** The work is done: no more renewals, and the claim lives out its length so stale listings skip the file. */
    @Override
    public boolean confirm(String file) {
        String key = key(file);
        held.remove(key);
        return jdbc.update("""
                update work_claims set done = true, expires_at = now() + make_interval(secs => ?)
                where stage = ? and key = ? and node = ?""", seconds(), STAGE, key, node) == 1;
    }

    @Override
    public void clear() {
        held.clear();
        jdbc.update("delete from work_claims where stage = ? and node = ? and not done", STAGE, node);
    }

    /** Keys this node holds now (renewed while their work runs). */
    public Set<String> held() {
        return Set.copyOf(held);
    }

    void renew() {
        List<String> keys = List.copyOf(held);
        try {
            if (!keys.isEmpty()) {
                Set<String> renewed = Set.copyOf(jdbc.queryForList("""
                        update work_claims set expires_at = now() + make_interval(secs => ?)
                        where stage = ? and node = ? and not done and key = any (?) returning key""",
                        String.class, seconds(), STAGE, node, keys.toArray(String[]::new)));
                for (String key : keys) {
                    // expired while the ledger could not be reached, and taken by another node (or confirmed meanwhile)
                    if (!renewed.contains(key) && held.remove(key)) {
                        LOG.error("The claim on {} ran out before it could be renewed; another node may be working on "
                                + "it too: its ledger writes decide which one counts", key);
                    }
                }
            }
            // finished claims long expired are history nobody reads
            jdbc.update("delete from work_claims where expires_at < now() - interval '1 hour'");
        } catch (RuntimeException e) {
            LOG.warn("Could not renew {} file claim(s) ({}); another node may take them after {} s", keys.size(),
                    e.getMessage(), ttl.toSeconds());
        }
    }

    /**
     * Starts renewing. Every file endpoint starts and stops its repository, and they share this one: the renewals
     * run from the first start until {@link #close} (after all routes stopped), not until the first endpoint stops.
     */
    @Override
    protected synchronized void doStart() {
        if (renewer == null) {
            long every = Math.max(1000, ttl.toMillis() / 3);
            renewer = Executors.newSingleThreadScheduledExecutor(LedgerClusterService.daemon("file-claims"));
            renewer.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    protected void doStop() {
        // an endpoint stopping: the other routes' claims are still in use (see close)
    }

    /** Once every route has stopped: no more renewals, and this node's unfinished claims are released. */
    public synchronized void close() {
        if (renewer != null) {
            renewer.shutdownNow();
            renewer = null;
        }
        try {
            clear();
        } catch (RuntimeException e) {
            LOG.warn("Could not release this node's file claims ({}); they expire by themselves", e.getMessage());
        }
    }
}
