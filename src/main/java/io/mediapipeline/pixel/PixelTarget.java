package io.mediapipeline.pixel;

import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ops.Activity;
import io.mediapipeline.ops.Metrics;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

/**
 * Wires the Pixel target into the app: the beans the routes 60-stage-pixel and 65-confirm-pixel
 * refer to (pixelStager, pixelConfirmer) and, when the target is on, its place in the hand-off
 * (back-pressure and, for `once`, the wait for proof).
 */
public final class PixelTarget {

    private PixelTarget() {
    }

    /** The Syncthing folder on the server: pipeline.home/bridge/pixel. */
    public static Path bridge(Settings settings) {
        return settings.home().resolve("bridge").resolve("pixel");
    }

    public static SyncthingClient client(CamelContext context, Settings settings) {
        return new SyncthingClient(context, settings.get("pipeline.target.pixel.syncthing.url"),
                settings.get("pipeline.target.pixel.api-key"));
    }

    public static void bind(Main main, Settings settings, Ledger ledger, Activity activity, RunContext run,
                            Handoff handoff, boolean once, Metrics metrics) throws IOException {
        boolean enabled = settings.bool("pipeline.target.pixel.enabled");
        PixelLedger pixel = new PixelLedger(ledger.dataSource());
        SyncthingClient client = new SyncthingClient(main::getCamelContext, settings.get("pipeline.target.pixel.syncthing.url"),
                settings.get("pipeline.target.pixel.api-key"));
        long poll = settings.integer("pipeline.target.pixel.confirm-poll-ms");
        PixelConfirmer confirmer = new PixelConfirmer(pixel, client, run,
                settings.get("pipeline.target.pixel.folder-id"), settings.get("pipeline.target.pixel.device-id"),
                settings.integer("pipeline.target.pixel.hold-days"), settings.integer("pipeline.target.pixel.confirm-files-per-pass"),
                poll, settings.integer("pipeline.target.pixel.confirm-max-backoff-seconds") * 1000L, metrics);
        PixelStager stager = new PixelStager(pixel, ledger, activity, confirmer, run, bridge(settings),
                settings.integer("pipeline.target.pixel.batch.max-files"),
                settings.integer("pipeline.target.pixel.batch.max-mb") * (1L << 20),
                settings.integer("pipeline.target.pixel.max-unconfirmed-mb") * (1L << 20),
                settings.integer("pipeline.target.pixel.live-pair-wait-seconds"), metrics);
        main.bind("pixelStager", stager);
        main.bind("pixelQueueFiles", new PixelQueueFiles(stager));
        main.bind("pixelConfirmer", confirmer);
        if (!enabled) {
            return;
        }
        stager.prepareFolder();
        long onceWait = settings.integer("pipeline.target.pixel.once-wait-seconds") * 1_000_000_000L;
        handoff.track("pixel", new Handoff.StageState() {
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
    }
}
