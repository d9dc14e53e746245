package io.mediapipeline.icloud;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Stage;
import io.mediapipeline.ops.Activity;
import io.mediapipeline.ops.Metrics;
import java.io.IOException;
import java.util.List;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.CamelEvent.CamelContextStartedEvent;
import org.apache.camel.spi.CamelEvent.CamelContextStoppingEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The iCloud download as a stage: its settings, the icloudDownloader bean the route calls, and the login page
 * for MFA codes. A source, so it follows no other stage, and its leftovers after a crash (finished downloads
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
        return List.of(IcloudConfig.ACCOUNT_KEYS);
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
        camel.getManagementStrategy().addEventNotifier(new Lifecycle(downloader, loginPage()));
    }

    /** The MFA page when the source is on and a port is set; a port that cannot be bound stops the start. */
    private LoginServer loginPage() {
        if (!cfg.loginPageWanted()) {
            return null;
        }
        if (cfg.loginToken().isBlank()) {
            LOG.warn("iCloud login page is off: set PIPELINE_SOURCE_ICLOUD_LOGIN_TOKEN (pipeline.source.icloud.login.token)");
            return null;
        }
        try {
            return new LoginServer(downloader, cfg.loginPort(), cfg.loginToken());
        } catch (IOException e) {
            throw new ConfigException(IcloudConfig.PREFIX + "login.port: cannot listen on 127.0.0.1:" + cfg.loginPort()
                    + " (" + e.getMessage() + ")");
        }
    }

    /**
     * Opens the login page once everything runs, and when Camel begins to stop, before it waits for in-flight
     * exchanges, ends a running icloudpd (SIGTERM to its group, SIGKILL after the grace) so the wait is short.
     */
    private static final class Lifecycle extends EventNotifierSupport {

        private final IcloudDownloader downloader;
        private final LoginServer page;

        Lifecycle(IcloudDownloader downloader, LoginServer page) {
            this.downloader = downloader;
            this.page = page;
            setIgnoreExchangeEvents(true);
            setIgnoreRouteEvents(true);
            setIgnoreServiceEvents(true);
            setIgnoreStepEvents(true);
        }

        @Override
        public boolean isEnabled(CamelEvent event) {
            return event instanceof CamelContextStartedEvent || event instanceof CamelContextStoppingEvent;
        }

        @Override
        public void notify(CamelEvent event) {
            if (event instanceof CamelContextStartedEvent) {
                if (page != null) {
                    page.start();
                }
                return;
            }
            downloader.stop();
            if (page != null) {
                page.stop();
            }
        }
    }
}
