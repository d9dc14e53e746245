package io.mediapipeline.status;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Guard;
import io.mediapipeline.flow.Stage;
import io.mediapipeline.ops.Metrics;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds {@code pipelineStatus} (the snapshot every view shares) and, in the service, samples it in the background so
 * that rates exist even while nobody looks, logging each backlog's progress every
 * {@code pipeline.status.progress-log-minutes}.
 */
public class StatusModule implements Stage {

    private static final Logger LOG = LoggerFactory.getLogger(StatusModule.class);
    // rates need readings whether or not anyone looks; this often is enough for a window of minutes
    private static final Duration SAMPLE_AT_LEAST_EVERY = Duration.ofSeconds(30);

    private StatusConfig config;
    private LedgerStatus status;

    @Override
    public void check(Settings settings) throws ConfigException {
        config = StatusConfig.from(settings);
    }

    @BindToRegistry("pipelineStatus")
    public synchronized PipelineStatus pipelineStatus(CamelContext camel, Settings settings, DataSource dataSource,
                                                      Metrics metrics) {
        if (status == null) {
            StatusConfig c = config != null ? config : StatusConfig.from(settings);
            status = new LedgerStatus(c, new StatusQueries(dataSource, c), RouteGroups.of(camel),
                    new Attentions(c, metrics, () -> Guard.bound(camel.getRegistry()), java.time.Instant.now()),
                    java.time.Instant::now);
        }
        return status;
    }

    @Override
    public void configure(CamelContext camel) throws Exception {
        if (status == null) {
            return;
        }
        StatusConfig c = config;
        LedgerStatus s = status;
        long tick = Math.max(c.refresh().toSeconds(), SAMPLE_AT_LEAST_EVERY.toSeconds());
        camel.addService(new ServiceSupport() {
            private ScheduledExecutorService executor;

            @Override
            protected void doStart() {
                ProgressLog log = new ProgressLog(c.progressLog());
                executor = camel.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "status-progress");
                executor.scheduleWithFixedDelay(() -> sample(s, c, log), tick, tick, TimeUnit.SECONDS);
            }

            @Override
            protected void doStop() {
                if (executor != null) {
                    camel.getExecutorServiceManager().shutdownNow(executor);
                }
            }
        }, true, true);
    }

    private static void sample(LedgerStatus status, StatusConfig c, ProgressLog log) {
        try {
            Snapshot snapshot = status.now();
            if (!c.progressLog().isZero()) {
                log.lines(snapshot).forEach(LOG::info);
            }
        } catch (RuntimeException e) {
            // the next tick tries again; a failing status must not end the sampling
            LOG.warn("status: cannot sample the pipeline's progress: {}", e.getMessage());
        }
    }
}
