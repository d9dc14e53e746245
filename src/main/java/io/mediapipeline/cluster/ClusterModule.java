package io.mediapipeline.cluster;

import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.Stage;
import java.io.File;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.LoggingLevel;
import org.apache.camel.component.file.GenericFileExclusiveReadLockStrategy;
import org.apache.camel.component.file.strategy.FileIdempotentChangedRepositoryReadLockStrategy;
import org.apache.camel.spi.IdempotentRepository;

/**
 * Several nodes on one ledger, as a module: the cluster service the {@code master:} routes ask who leads (the lease
 * in the ledger; for one node, a master: component that runs every route itself), the file claims the per-file
 * consumers take ("fileClaims": in the ledger, or in memory for one node), and what a dead node leaves: its temp
 * files and its lost hand-offs.
 * Not a stage: it moves no file.
 */
public class ClusterModule implements Stage {

    private ClusterConfig config;
    private IdempotentRepository claims;

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
    public synchronized IdempotentRepository fileClaims(Settings settings, DataSource dataSource) {
        if (claims == null) {
            ClusterConfig c = config(settings);
            claims = c.enabled() ? new LedgerClaims(dataSource, c.node(), c.claim(), settings.home()) : new LocalClaims();
        }
        return claims;
    }

    /** The folder source's read lock (its idempotentRepository option is the imports' list, so not the claims). */
    @BindToRegistry("folderReadLock")
    public GenericFileExclusiveReadLockStrategy<File> folderReadLock(CamelContext camel, Settings settings,
                                                                      DataSource dataSource) {
        long stable = Long.parseLong(camel.resolvePropertyPlaceholders("{{pipeline.ingest.stable-seconds}}"));
        long growing = Long.parseLong(camel.resolvePropertyPlaceholders("{{pipeline.ingest.growing-wait-seconds}}"));
        return claimedThenUnchanged(fileClaims(settings, dataSource), stable * 1000, growing * 1000);
    }

    /**
     * A read lock that claims the file, then waits until it has not changed for {@code minAgeMillis} (giving up
     * after {@code timeoutMillis}, the claim released), writing no marker file.
     */
    public static GenericFileExclusiveReadLockStrategy<File> claimedThenUnchanged(IdempotentRepository claims,
                                                                                  long minAgeMillis, long timeoutMillis) {
        FileIdempotentChangedRepositoryReadLockStrategy lock = new FileIdempotentChangedRepositoryReadLockStrategy();
        lock.setIdempotentRepository(claims);
        lock.setMarkerFiler(false);
        lock.setMinAge(minAgeMillis);
        lock.setMinLength(0);
        lock.setCheckInterval(1000);
        lock.setTimeout(timeoutMillis);
        lock.setReadLockLoggingLevel(LoggingLevel.DEBUG);
        return lock;
    }

    /**
     * The cluster service is a context service (where Camel's master: looks for it), started before any route; one
     * node replaces the master: component itself.
     */
    @Override
    public void configure(CamelContext camel) throws Exception {
        Settings settings = camel.getRegistry().findSingleByType(Settings.class);
        DataSource dataSource = camel.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        ClusterConfig c = config(settings);
        if (!c.enabled()) {
            camel.addComponent("master", new OneNodeMaster(dataSource, c.node()));
            return;
        }
        LedgerClusterService service = new LedgerClusterService(dataSource, c.node(), c.lease(), c.renew());
        camel.addService(service, true, true);
        if (fileClaims(settings, dataSource) instanceof LedgerClaims ledgerClaims) {
            ledgerClaims.start();
            Stage.stopAfterRoutes(camel, ledgerClaims::close);
        }
        // a dead node's temp files, looked for every two claim lengths, and its lost hand-offs, every claim length
        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(LedgerClusterService.daemon("temp-sweep"));
        long claim = c.claim().toMillis();
        sweeper.scheduleWithFixedDelay(new StaleTemps(settings.home(), c.claim(), service.getView("temp-sweep")),
                claim * 2, claim * 2, TimeUnit.MILLISECONDS);
        Handoff handoff = camel.getRegistry().findSingleByType(Handoff.class);
        sweeper.scheduleWithFixedDelay(new LostHandoffs(dataSource, c.node(), handoff, service.getView("handoff-recovery")),
                claim, claim, TimeUnit.MILLISECONDS);
        Stage.stopAfterRoutes(camel, sweeper::shutdownNow);
    }
}
