package io.mediapipeline.pixel;

import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.Stage;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ops.Activity;
import io.mediapipeline.ops.Metrics;
import io.mediapipeline.syncthing.SyncthingClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Pixel target as a stage: the beans the routes 60-stage-pixel and 65-confirm-pixel call (pixelStager,
 * pixelQueueFiles, pixelConfirmer), the verify's pixelProof and, when the target is on, its place after ingest, its part in the
 * hand-off (back-pressure and, for `once`, the wait for proof) and its recovery at startup.
 */
public class PixelStage implements Stage {

    private static final Logger LOG = LoggerFactory.getLogger(PixelStage.class);
    public static final String STAGE = "pixel";

    @PropertyInject("mediapipeline.once")
    private boolean once;
    /** Other nodes were at work on the data directory when this one started (their temp files are not swept). */
    @PropertyInject(value = "mediapipeline.others-at-work", defaultValue = "false")
    private boolean othersAtWork;

    private PixelConfig config;
    private PixelLedger pixel;
    private PixelConfirmer confirmer;
    private PixelStager stager;

    @Override
    public void check(Settings settings) {
        config = PixelConfig.from(settings);
    }

    @BindToRegistry("pixelConfirmer")
    public PixelConfirmer pixelConfirmer(CamelContext camel, Settings settings, DataSource dataSource, RunContext run,
                                         Metrics metrics) {
        return confirmer(camel, settings, dataSource, run, metrics);
    }

    /** Verify's proof that the phone has a file now; cleanup's answer whether the bridge copies may go. */
    @BindToRegistry("pixelProof")
    public PixelProof pixelProof(CamelContext camel, Settings settings, DataSource dataSource, RunContext run,
                                 Metrics metrics) {
        PixelConfirmer c = confirmer(camel, settings, dataSource, run, metrics);
        PixelConfig.Syncthing phone = config(settings).phone();
        return new PixelProof(config(settings), ledger(dataSource), c.syncthing(), c, phone.configured()
                ? new SyncthingClient(camel, phone.url(), phone.apiKey(), PhoneFolder.CONNECT, PhoneFolder.READ) : null);
    }

    @BindToRegistry("pixelStager")
    public PixelStager pixelStager(CamelContext camel, Settings settings, DataSource dataSource, Ledger ledger,
                                   Activity activity, RunContext run, Metrics metrics) {
        return stager(camel, settings, dataSource, ledger, activity, run, metrics);
    }

    @BindToRegistry("pixelQueueFiles")
    public PixelQueueFiles pixelQueueFiles(CamelContext camel, Settings settings, DataSource dataSource, Ledger ledger,
                                           Activity activity, RunContext run, Metrics metrics) {
        return new PixelQueueFiles(stager(camel, settings, dataSource, ledger, activity, run, metrics));
    }

    // Camel binds the beans in an order of its own: each is made once, whichever is asked for first.

    private synchronized PixelConfirmer confirmer(CamelContext camel, Settings settings, DataSource dataSource, RunContext run,
                                                  Metrics metrics) {
        if (confirmer == null) {
            PixelConfig c = config(settings);
            confirmer = new PixelConfirmer(ledger(dataSource),
                    new SyncthingClient(camel, c.syncthing().url(), c.syncthing().apiKey()), run, c.proof(), metrics);
        }
        return confirmer;
    }

    private synchronized PixelStager stager(CamelContext camel, Settings settings, DataSource dataSource, Ledger ledger,
                                            Activity activity, RunContext run, Metrics metrics) {
        if (stager == null) {
            PixelConfig c = config(settings);
            stager = new PixelStager(ledger(dataSource), ledger, activity, confirmer(camel, settings, dataSource, run, metrics), run,
                    c.staging(), metrics, c.motion().enabled() ? new MotionPhoto(c.motion()) : null);
        }
        return stager;
    }

    private synchronized PixelLedger ledger(DataSource dataSource) {
        if (pixel == null) {
            pixel = new PixelLedger(dataSource);
        }
        return pixel;
    }

    private synchronized PixelConfig config(Settings settings) {
        if (config == null) {
            config = PixelConfig.from(settings);
        }
        return config;
    }

    /** Runs after the beans are bound and before any route starts. */
    @Override
    public void configure(CamelContext camel) throws Exception {
        if (!config.enabled()) {
            return;
        }
        Handoff handoff = camel.getRegistry().findSingleByType(Handoff.class);
        stager.prepareFolder(!othersAtWork);
        boolean once = this.once;
        long onceWait = config.onceWait().toNanos();
        handoff.follow(STAGE);
        handoff.track(STAGE, new Handoff.StageState() {
            @Override
            public boolean holding() {
                return stager.holding();
            }

            @Override
            public long outstanding() {
                // `once` waits for proof of what it staged, but not for ever (the phone may be away for days);
                // it always looks at least once, however long the start took
                if (!once || confirmer.checks() > 0 && System.nanoTime() - confirmer.lastProgress() > onceWait) {
                    return 0;
                }
                return pixel.unconfirmedCount();
            }
        });
        requeue(handoff);
    }

    /** Content with no Pixel delivery yet (a crash, a failed staging, or the target switched on later) is queued again. */
    private void requeue(Handoff handoff) {
        int queued;
        try {
            queued = handoff.recover(STAGE, () -> handoff.requeueAll(STAGE, pixel.withoutDelivery().stream()
                    .map(m -> new Handoff.Queued(Path.of(m.originalPath()), m.sha256(), m.extension())).toList()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (queued > 0) {
            LOG.info("Queued {} file(s) for the Pixel that were not staged yet", queued);
        }
    }
}
