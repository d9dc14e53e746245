package io.mediapipeline.ops;

import io.mediapipeline.flow.Guard;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ledger.Ledger;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Suspends the pipeline while the guard is closed: every check-seconds it asks the guard; when it closes, the
 * consumers of all started routes (timers, Quartz triggers, file polls) are suspended, so no new work begins,
 * while the routes stay registered and started; when it opens, exactly the consumers it suspended are resumed.
 * A route an operator stopped (over JMX) is neither suspended nor started by the guard. Direct consumers stay:
 * work already in flight finishes or is refused by the guard at its next write, and is taken again later.
 */
public class GuardPolicy extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(GuardPolicy.class);

    private final CamelContext camel;
    private final Guard guard;
    private final int checkSeconds;
    private final Metrics metrics;
    private final Ledger ledger;
    private final RunContext run;
    /** Route ids whose consumer the guard suspended (and so resumes). */
    private final Set<String> suspended = ConcurrentHashMap.newKeySet();
    private volatile String closedFor;
    private ScheduledExecutorService timer;

    /**
     * @param ledger where a pause is written down for the current run's report (pipeline_logs, stage 'guard');
     *               null (with run) to keep it in the log only
     */
    public GuardPolicy(CamelContext camel, Guard guard, int checkSeconds, Metrics metrics, Ledger ledger, RunContext run) {
        this.camel = camel;
        this.guard = guard;
        this.checkSeconds = checkSeconds;
        this.metrics = metrics;
        this.ledger = ledger;
        this.run = run;
        metrics.gauge("guard.closed", () -> closedFor == null ? 0 : 1);
    }

    /** Why the guard holds the pipeline now, or empty. */
    public Optional<String> closedFor() {
        return Optional.ofNullable(closedFor);
    }

    @Override
    protected void doStart() {
        timer = camel.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "guard");
        timer.scheduleWithFixedDelay(this::checkQuietly, 0, checkSeconds, TimeUnit.SECONDS);
    }

    @Override
    protected void doStop() {
        if (timer != null) {
            camel.getExecutorServiceManager().shutdown(timer);
        }
    }

    private void checkQuietly() {
        try {
            check();
        } catch (RuntimeException e) {
            LOG.warn("The guard could not look: {}", e.getMessage());
        }
    }

    /** One look: suspends or resumes consumers as the guard says. */
    public void check() {
        Optional<String> why = guard.blocked();
        if (why.isPresent()) {
            boolean closing = closedFor == null;
            if (closing) {
                closedFor = why.get();
                LOG.warn("Paused: {}; nothing is written or deleted until this clears, then work resumes by itself",
                        closedFor);
            }
            // every look, so a route started while closed (by an operator or late at start) is held as well
            suspendStarted();
            if (closing) {
                metrics.increment("guard.pauses");
                note("warn", "paused: " + closedFor); // after the consumers: the ledger may be slow to answer now
            }
        } else if (closedFor != null) {
            int n = resumeSuspended();
            LOG.info("Resumed {} consumer(s): the guard is open again (it was closed because {})", n, closedFor);
            note("info", "resumed after: " + closedFor);
            closedFor = null;
        }
    }

    private void suspendStarted() {
        for (Route route : camel.getRoutes()) {
            Consumer consumer = route.getConsumer();
            if (consumer == null || isDirect(consumer) || !started(route) || !ServiceHelper.isStarted(consumer)
                    || ServiceHelper.isSuspended(consumer)) {
                continue;
            }
            try {
                if (ServiceHelper.suspendService(consumer)) {
                    suspended.add(route.getRouteId());
                    LOG.debug("Suspended the consumer of route {}", route.getRouteId());
                }
            } catch (Exception e) {
                LOG.warn("Could not suspend route {}: {}", route.getRouteId(), e.getMessage());
            }
        }
    }

    private int resumeSuspended() {
        int n = 0;
        for (String id : Set.copyOf(suspended)) {
            suspended.remove(id);
            Route route = camel.getRoute(id);
            if (route == null || !started(route)) {
                continue; // stopped by an operator meanwhile: stays as they left it
            }
            try {
                if (ServiceHelper.resumeService(route.getConsumer())) {
                    n++;
                }
            } catch (Exception e) {
                LOG.warn("Could not resume route {}: {}", id, e.getMessage());
            }
        }
        return n;
    }

    private boolean started(Route route) {
        ServiceStatus status = camel.getRouteController().getRouteStatus(route.getRouteId());
        return status != null && status.isStarted();
    }

    private static boolean isDirect(Consumer consumer) {
        return consumer.getEndpoint().getEndpointUri().startsWith("direct:");
    }

    private void note(String level, String message) {
        if (ledger == null || run == null) {
            return;
        }
        try {
            ledger.log(run.runId(), "guard", level, message, null, null);
        } catch (RuntimeException e) {
            LOG.debug("guard note not written: {}", e.getMessage());
        }
    }

    /** Before anything starts: waits while the guard is closed, saying why once a minute; returns once it opens. */
    public static void awaitOpen(Guard guard, long checkMillis) throws InterruptedException {
        long lastSaid = 0;
        boolean waited = false;
        for (Optional<String> why = guard.blocked(); why.isPresent(); why = guard.blocked()) {
            long now = System.nanoTime();
            if (!waited || now - lastSaid >= TimeUnit.MINUTES.toNanos(1)) {
                LOG.warn("Not starting yet: {}; waiting until this clears", why.get());
                lastSaid = now;
            }
            waited = true;
            Thread.sleep(checkMillis);
        }
        if (waited) {
            LOG.info("The guard is open: starting");
        }
    }
}
