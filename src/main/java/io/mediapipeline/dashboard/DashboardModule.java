package io.mediapipeline.dashboard;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Stage;
import io.mediapipeline.observe.ManagementConfig;
import io.mediapipeline.status.PipelineStatus;
import io.vertx.ext.auth.authentication.AuthenticationProvider;
import io.vertx.ext.web.handler.AuthenticationHandler;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.component.platform.http.vertx.auth.AuthenticationConfig;

/**
 * The dashboard on the management port: the access gate in front of every path (Camel's /observe/* too), the
 * pages found as {@link Page} beans, and this module's own pages (overview, iCloud sign-in, run reports).
 * Nothing is mounted when {@code pipeline.management.enabled=false}.
 */
public class DashboardModule implements Stage {

    private ManagementConfig management;
    private DashboardConfig config;

    @Override
    public void check(Settings settings) throws ConfigException {
        management = ManagementConfig.from(settings);
        config = DashboardConfig.from(settings);
    }

    @BindToRegistry("overviewPage")
    public Page overviewPage(CamelContext camel) {
        return new OverviewPage(camel, () -> status(camel));
    }


    @BindToRegistry("signInPage")
    public Page signInPage(CamelContext camel, Settings settings) {
        // looked up, not injected: the dashboard also runs where no ledger is bound (its own tests)
        Object ds = camel.getRegistry().findSingleByType(DataSource.class);
        return new SignInPage(camel, settings, (DataSource) ds);
    }

    @BindToRegistry("reportsPage")
    public Page reportsPage(Settings settings) {
        return new ReportsPage(settings.home().resolve("reports"));
    }

    @Override
    public void configure(CamelContext camel) throws Exception {
        if (config == null || !management.enabled()) {
            return;
        }
        // read (or made) now, so a bad token file ends the start before anything listens
        ManagementToken token = ManagementToken.of(config);
        Access access = new Access(token, new Sessions(Clock.systemUTC()));
        // The gate goes into the server's own configuration now, before it listens: it is then the first handler
        // of its top router from the first request on, ahead of Camel's /observe handlers.
        ManagementHttpServer server = camel.hasService(ManagementHttpServer.class);
        if (server != null && server.getConfiguration() != null && !server.isStarted()) {
            AuthenticationConfig.AuthenticationConfigEntry entry = new AuthenticationConfig.AuthenticationConfigEntry();
            entry.setPath("/*");
            entry.setAuthenticationProviderFactory(vertx -> null);
            entry.setAuthenticationHandlerFactory(new AuthenticationConfig.AuthenticationHandlerFactory() {
                @Override
                public <T extends AuthenticationProvider> AuthenticationHandler createAuthenticationHandler(T none) {
                    return access::check;
                }
            });
            AuthenticationConfig auth = new AuthenticationConfig(List.of(entry));
            auth.setEnabled(true);
            server.getConfiguration().setAuthenticationConfig(auth);
        }
        camel.addStartupListener(new Mount(camel, access, () -> status(camel), config.tokenOrigin()));
    }

    /** The status bean when the status module bound one (the page shows no banner without it). */
    static PipelineStatus status(CamelContext camel) {
        Object bean = camel.getRegistry().lookupByName("pipelineStatus");
        return bean instanceof PipelineStatus s ? s : null;
    }
}
