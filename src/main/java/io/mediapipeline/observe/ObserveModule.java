package io.mediapipeline.observe;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.CoreConfig;
import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.GuardConfig;
import io.mediapipeline.flow.Stage;
import io.mediapipeline.flow.StorageGuard;
import io.mediapipeline.ops.Metrics;
import io.mediapipeline.status.PipelineStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.StartupListener;
import org.apache.camel.health.HealthCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Health and metrics on the management port: Camel's management server (camel-platform-http-main) with its health
 * endpoints and Prometheus scrape, readiness checks for the causes the pipeline cannot work without (ids
 * {@code database}, {@code tools}, {@code nas-marker}, {@code free-space}, beside Camel's {@code context} check), and
 * the business meters read from the status every view shares. Camel's per-route and per-consumer checks are off: an
 * operator stops a stage on purpose (dashboard, JMX, a stage switched off), and a deliberate pause must not read as
 * "not ready" and page someone; a stage that cannot work shows on the dashboard and in the metrics instead.
 */
public class ObserveModule implements Stage {

    private static final Logger LOG = LoggerFactory.getLogger(ObserveModule.class);

    /** How long the database check waits for the ledger before it says DOWN. */
    static final Duration DATABASE_TIMEOUT = Duration.ofSeconds(3);

    /** Micrometer binders: the JVM and the machine, small enough to scrape every few seconds. */
    static final String BINDERS = "processor,jvm-info,jvm-memory,jvm-gc,jvm-thread,file-descriptor,uptime";

    @Override
    public void check(Settings settings) throws ConfigException {
        ManagementConfig.from(settings);
        settings.positive("pipeline.status.refresh-seconds");
    }

    /**
     * Camel's settings for the management server, health checks and metrics, from pipeline.management.*: health
     * and metrics on, everything that would let a caller look inside or send into Camel (info, Jolokia, the dev
     * console, upload, download, send) off.
     */
    public static Properties camelProperties(Settings settings) {
        ManagementConfig m = ManagementConfig.from(settings);
        Properties p = new Properties();
        p.setProperty("camel.management.enabled", String.valueOf(m.enabled()));
        p.setProperty("camel.management.host", m.host());
        p.setProperty("camel.management.port", String.valueOf(m.port()));
        p.setProperty("camel.management.health-check-enabled", "true");
        p.setProperty("camel.management.health-path", "/observe/health");
        p.setProperty("camel.management.metrics-enabled", "true");
        for (String off : List.of("info", "jolokia", "dev-console", "upload", "download", "send")) {
            p.setProperty("camel.management." + off + "-enabled", "false");
        }
        p.setProperty("camel.metrics.enabled", "true");
        p.setProperty("camel.metrics.path", "/observe/metrics");
        p.setProperty("camel.metrics.binders", BINDERS);
        // route timers (camel_route_policy_seconds{routeId}) are the stage durations
        p.setProperty("camel.metrics.enable-route-policy", "true");
        p.setProperty("camel.metrics.enable-exchange-event-notifier", "true");
        p.setProperty("camel.metrics.enable-route-event-notifier", "true");
        p.setProperty("camel.health.enabled", "true");
        p.setProperty("camel.health.routes-enabled", "false");
        p.setProperty("camel.health.consumers-enabled", "false");
        p.setProperty("camel.health.registry-enabled", "true");
        p.setProperty("camel.health.producers-enabled", "false");
        p.setProperty("camel.health.exposure-level", "default");
        return p;
    }

    @BindToRegistry("databaseHealthCheck")
    public HealthCheck databaseCheck(DataSource dataSource) {
        return new DatabaseCheck(dataSource, DATABASE_TIMEOUT);
    }

    @BindToRegistry("toolsHealthCheck")
    public HealthCheck toolsCheck(Settings settings) {
        return new ToolsCheck(requiredTools(settings), System.getenv("PATH"));
    }

    @BindToRegistry("nasMarkerHealthCheck")
    public HealthCheck nasMarkerCheck(Settings settings) {
        return new StorageCheck(StorageCheck.Cause.NAS_MARKER, new StorageGuard(GuardConfig.from(settings)));
    }

    @BindToRegistry("freeSpaceHealthCheck")
    public HealthCheck freeSpaceCheck(Settings settings) {
        return new StorageCheck(StorageCheck.Cause.FREE_SPACE, new StorageGuard(GuardConfig.from(settings)));
    }

    /** The executables every run needs, and icloudpd while the iCloud source is on. */
    static List<ToolsCheck.Tool> requiredTools(Settings settings) {
        CoreConfig core = CoreConfig.from(settings);
        List<ToolsCheck.Tool> tools = new ArrayList<>(List.of(new ToolsCheck.Tool("ffmpeg", core.ffmpeg()),
                new ToolsCheck.Tool("ffprobe", core.ffprobe()), new ToolsCheck.Tool("exiftool", core.exiftool())));
        if (settings.bool("pipeline.source.icloud.enabled")) {
            tools.add(new ToolsCheck.Tool("icloudpd", settings.path("pipeline.source.icloud.binary").toString()));
        }
        return tools;
    }

    /**
     * Says so when the management port is taken; once every route is there, binds the business meters over the
     * status bean when the application binds one.
     */
    @Override
    public void configure(CamelContext camel) throws Exception {
        Settings settings = camel.getRegistry().findSingleByType(Settings.class);
        if (settings != null) {
            ManagementConfig m = ManagementConfig.from(settings);
            warnIfNotLoopback(m);
            sayIfPortTaken(m);
        }
        camel.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
                bindStatusMeters(context);
            }
        });
    }

    /**
     * The port speaks plain HTTP: bound to anything but loopback, the token and the session cookie cross the network
     * readable by anyone on it. Allowed (a trusted home network, a TLS proxy in front), but said once at start.
     */
    static boolean warnIfNotLoopback(ManagementConfig m) {
        if (!m.enabled()) {
            return false;
        }
        boolean loopback;
        try {
            loopback = InetAddress.getByName(m.host()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            loopback = false;
        }
        if (!loopback) {
            LOG.warn("The management port listens on {} (pipeline.management.host), not only on this machine: the token "
                    + "and the dashboard's session cookie cross the network as plain HTTP; use 127.0.0.1, or a TLS "
                    + "proxy in front", m.host());
        }
        return !loopback;
    }

    /**
     * Camel logs a management port it cannot bind as a stack trace and starts without the server; the pipeline
     * keeps working, so it only needs to be said, once and plainly. Looked at before Camel starts its server.
     */
    static boolean sayIfPortTaken(ManagementConfig m) {
        if (!m.enabled()) {
            return false;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // a socket of an earlier run still in TIME_WAIT does not count
            probe.bind(new InetSocketAddress(m.host(), m.port()));
            return false;
        } catch (IOException e) {
            LOG.error("The management port {}:{} cannot be opened ({}): no health, metrics or dashboard until it is "
                    + "free and the service restarts (pipeline.management.port)", m.host(), m.port(), e.getMessage());
            return true;
        }
    }

    private static void bindStatusMeters(CamelContext camel) {
        Metrics metrics = camel.getRegistry().findSingleByType(Metrics.class);
        PipelineStatus status = camel.getRegistry().lookupByNameAndType("pipelineStatus", PipelineStatus.class);
        if (metrics == null || status == null) {
            LOG.info("No pipeline status to publish as metrics (metrics: {}, status: {})", metrics != null, status != null);
            return;
        }
        Settings settings = camel.getRegistry().findSingleByType(Settings.class);
        int refresh = settings == null ? 10 : settings.positive("pipeline.status.refresh-seconds");
        StatusMeters meters = new StatusMeters(status, camel.getRegistry().findSingleByType(DataSource.class));
        meters.bindTo(metrics.registry(), stages(camel));
        ScheduledExecutorService timer = camel.getExecutorServiceManager()
                .newSingleThreadScheduledExecutor(meters, "status-metrics");
        timer.scheduleWithFixedDelay(meters::refresh, 0, refresh, TimeUnit.SECONDS);
    }

    /** The route groups in the order their routes were added (the pipeline's order). */
    static List<String> stages(CamelContext camel) {
        Set<String> groups = new LinkedHashSet<>();
        for (Route route : camel.getRoutes()) {
            if (route.getGroup() != null) {
                groups.add(route.getGroup());
            }
        }
        return List.copyOf(groups);
    }
}
