package io.mediapipeline.icloud;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Stage;
import io.mediapipeline.ops.Activity;
import io.mediapipeline.ops.Metrics;
import java.util.List;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.CamelEvent.CamelContextStoppingEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The iCloud download as a stage: its settings and the icloudDownloader bean the routes call (the downloads and
 * the dashboard's sign-in with its MFA code, route icloud-sign-in). A source, so it follows no other stage, and its leftovers after a crash (finished downloads
 * not yet handed over) are taken care of by the route's start step.
 */
public final class IcloudStage implements Stage {

    private static final Logger LOG = LoggerFactory.getLogger(IcloudStage.class);

    @PropertyInject(value = "mediapipeline.once", defaultValue = "false")
    boolean once;

    private IcloudConfig cfg;
    private IcloudDownloader downloader;

    @Override
    public void check(Settings settings) throws ConfigException {
        // doctor checks settings too, in a shell without the service's secrets: the password is required at serve
        cfg = IcloudConfig.withoutSecrets(settings);
    }

    @Override
    public List<Settings.Family> keyFamilies() {
        return List.of(IcloudConfig.ACCOUNT_KEYS, IcloudConfig.RETIRED_LOGIN_KEYS);
    }

    @BindToRegistry("icloudDownloader")
    public IcloudDownloader icloudDownloader(Settings settings, DataSource dataSource, Activity activity, Metrics metrics) {
        return downloader(settings, dataSource, activity, metrics);
    }

    /** The per-account lock and budget, shared with the upload to iCloud. */
    @BindToRegistry("icloudAccounts")
    public IcloudAccounts icloudAccounts(Settings settings, DataSource dataSource, Activity activity, Metrics metrics) {
        return downloader(settings, dataSource, activity, metrics).accounts();
    }

    // Camel binds the beans in an order of its own: the downloader is made once, whichever is asked for first.
    private synchronized IcloudDownloader downloader(Settings settings, DataSource dataSource, Activity activity,
                                                     Metrics metrics) {
        if (downloader == null) {
            if (cfg == null) {
                cfg = IcloudConfig.from(settings);
            }
            downloader = new IcloudDownloader(cfg, new IcloudStore(dataSource), settings.home(), activity, metrics);
        }
        return downloader;
    }

    @Override
    public void configure(CamelContext camel) throws Exception {
        // what the route's schedule and start step read: the zone resolved ("system" is no zone id), and
        // whether to download at once (always in `once`)
        camel.getPropertiesComponent().addOverrideProperty(IcloudConfig.PREFIX + "schedule-timezone",
                cfg.scheduleZone().getId());
        camel.getPropertiesComponent().addOverrideProperty("mediapipeline.icloud-run-at-start",
                String.valueOf(once || cfg.runAtStart()));
        camel.getManagementStrategy().addEventNotifier(new Lifecycle(downloader));
    }

    /**
     * When Camel begins to stop, before it waits for in-flight exchanges, ends a running icloudpd (SIGTERM to its
     * group, SIGKILL after the grace) so the wait is short.
     */
    private static final class Lifecycle extends EventNotifierSupport {

        private final IcloudDownloader downloader;

        Lifecycle(IcloudDownloader downloader) {
            this.downloader = downloader;
            setIgnoreExchangeEvents(true);
            setIgnoreRouteEvents(true);
            setIgnoreServiceEvents(true);
            setIgnoreStepEvents(true);
        }

        @Override
        public boolean isEnabled(CamelEvent event) {
            return event instanceof CamelContextStoppingEvent;
        }

        @Override
        public void notify(CamelEvent event) {
            downloader.stop();
        }
    }
}
