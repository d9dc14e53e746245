package io.mediapipeline.notify;

import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Stage;
import io.mediapipeline.status.PipelineStatus;
import java.time.Clock;
import java.util.Optional;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notifications as a module: the beans routes/95-notify.camel.yaml calls (notifyAttention, notifyFailures,
 * notifySummary, notifySender), sharing one outbox and the channels that are on. It reads the ledger and the
 * status bean (pipelineStatus) only; it knows no stage.
 */
public class NotifyModule implements Stage {

    private static final Logger LOG = LoggerFactory.getLogger(NotifyModule.class);

    private NotifyConfig config;
    private Outbox outbox;
    private Sender sender;

    @Override
    public void check(Settings settings) {
        config = NotifyConfig.from(settings);
    }

    @BindToRegistry("notifySender")
    public Sender notifySender(CamelContext camel, Settings settings, DataSource dataSource) {
        return sender(camel, settings, dataSource);
    }

    @BindToRegistry("notifyAttention")
    public AttentionWatch notifyAttention(CamelContext camel, Settings settings, DataSource dataSource) {
        Sender s = sender(camel, settings, dataSource);
        return new AttentionWatch(() -> Optional.ofNullable(camel.getRegistry().lookupByNameAndType("pipelineStatus",
                PipelineStatus.class)), outbox, config.remind(), Clock.systemUTC(), s::sendNow);
    }

    @BindToRegistry("notifyFailures")
    public FailureDigest notifyFailures(CamelContext camel, Settings settings, DataSource dataSource) {
        sender(camel, settings, dataSource);
        return new FailureDigest(outbox, config.failuresGroup(), Clock.systemUTC());
    }

    @BindToRegistry("notifySummary")
    public DailySummary notifySummary(CamelContext camel, Settings settings, DataSource dataSource) {
        sender(camel, settings, dataSource);
        return new DailySummary(outbox, Clock.systemUTC());
    }

    // Camel binds the beans in an order of its own: the shared parts are made once, by whichever comes first.
    private synchronized Sender sender(CamelContext camel, Settings settings, DataSource dataSource) {
        if (sender == null) {
            if (config == null) {
                config = NotifyConfig.from(settings);
            }
            outbox = new Outbox(dataSource, config.channels());
            sender = new Sender(outbox, Channel.of(config, camel), config.maxPerHour(), config.tick(), Clock.systemUTC());
        }
        return sender;
    }

    @Override
    public void configure(CamelContext camel) {
        if (config.enabled()) {
            LOG.info("Notifications on: {} (at most {} messages per hour each)", String.join(", ", config.channels()),
                    config.maxPerHour());
        }
    }
}
