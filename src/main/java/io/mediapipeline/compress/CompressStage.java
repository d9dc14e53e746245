package io.mediapipeline.compress;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.Stage;
import io.mediapipeline.media.ExifTool;
import io.mediapipeline.ops.Metrics;
import java.io.IOException;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compress stage (routes/30-compress.camel.yaml): its settings, the beans its routes call, and its recovery
 * at startup. Camel calls the {@code @BindToRegistry} methods before {@link #configure}, which runs before any
 * route starts.
 */
public final class CompressStage implements Stage {

    private static final Logger LOG = LoggerFactory.getLogger(CompressStage.class);

    private final ChildProcessExecutor executor = new ChildProcessExecutor();
    private CompressConfig config;
    private boolean enabled;
    private Handoff handoff;
    private CompressQueue queue;
    private EncodePool pool;

    @Override
    public void check(Settings settings) throws ConfigException {
        CompressConfig.from(settings);
    }

    private synchronized CompressConfig config(Settings settings) {
        if (config == null) {
            config = CompressConfig.from(settings);
            enabled = settings.bool("pipeline.compress.enabled");
        }
        return config;
    }

    /** Runs every tool of the route: no kill-on-SIGTERM hook, and the child dies with the JVM. */
    @BindToRegistry("childProcessExecutor")
    public ChildProcessExecutor childProcessExecutor() {
        return executor;
    }

    @BindToRegistry("compressor")
    public Compressor compressor(Settings settings, DataSource dataSource, ExifTool exifTool, Metrics metrics)
            throws IOException {
        return new Compressor(config(settings), new CompressLedger(dataSource), exifTool, settings.home(), metrics,
                executor);
    }

    @BindToRegistry("compressQueue")
    public CompressQueue compressQueue(Settings settings, DataSource dataSource, Handoff handoff) {
        this.handoff = handoff;
        this.queue = new CompressQueue(new CompressLedger(dataSource), config(settings), handoff);
        return queue;
    }

    /** The route's workers: never more than pipeline.compress.parallelism encodes at once. */
    @BindToRegistry("compressPool")
    public EncodePool compressPool(Settings settings, Metrics metrics) {
        pool = new EncodePool(config(settings).parallelism());
        metrics.gauge("compress.running", pool::getActiveCount);
        return pool;
    }

    @Override
    public void configure(CamelContext camel) throws Exception {
        Stage.stopAfterRoutes(camel, pool::shutdownNow);
        if (!enabled) {
            return;
        }
        handoff.follow(CompressQueue.STAGE);
        // undecided rows (new, interrupted, over last run's cap), videos that aged into another tier, failures to retry
        int queued = handoff.recover(CompressQueue.STAGE, queue::requeue);
        if (queued > 0) {
            LOG.info("Re-queued {} file(s) for the compress stage (undecided, aged into another tier, or a failure to retry)",
                    queued);
        }
    }
}
