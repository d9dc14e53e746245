package io.mediapipeline.scrub;

import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.CopySource;
import io.mediapipeline.flow.Guard;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.flow.Stage;
import io.mediapipeline.ledger.Ledger;
import java.time.Clock;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;

/**
 * The scrub as a stage: the bean the route 90-scrub calls on its schedule (scrubber). It is a scheduled route, not
 * part of the hand-off, so `once` does not wait for it. The guard ("guard") and the copy sources (every
 * {@link CopySource} in the registry) are looked up when a run needs them, so a stage that binds them later counts.
 */
public class ScrubStage implements Stage {

    private ScrubConfig config;

    @Override
    public void check(Settings settings) {
        config = ScrubConfig.from(settings);
    }

    @BindToRegistry("scrubber")
    public Scrubber scrubber(CamelContext camel, Settings settings, DataSource dataSource, Ledger ledger, RunContext run) {
        ScrubConfig c = config != null ? config : ScrubConfig.from(settings);
        Guard guard = () -> Guard.bound(camel.getRegistry()).blocked();
        return Scrubber.create(c, dataSource, ledger, guard, run::runId, settings.node(), Clock.systemUTC(),
                () -> camel.getRegistry().findByType(CopySource.class));
    }

    /** When the service stops, a run under way ends after its current file (the next run goes on from there). */
    @Override
    public void configure(CamelContext camel) {
        camel.getManagementStrategy().addEventNotifier(new EventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.CamelContextStoppingEvent) {
                    Scrubber s = camel.getRegistry().lookupByNameAndType("scrubber", Scrubber.class);
                    if (s != null) {
                        s.stop();
                    }
                }
            }
        });
    }
}
