package io.mediapipeline.ops;

import io.mediapipeline.flow.FileStore;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.report.RunReport;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches for the pipeline going quiet. In `once` mode the first quiet moment ends the run: the
 * report is written and the app told to stop. In service mode each busy period ends with a report
 * and a new run, so a report never mixes two batches of work. If the report cannot be written, `once` is
 * told so with a null summary.
 */
public class RunWatcher implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(RunWatcher.class);

    private final CamelContext context;
    private final Activity activity;
    private final Handoff handoff;
    private final RunContext run;
    private final RunReport report;
    private final long quietNanos;
    private final boolean once;
    private final Consumer<RunReport.Summary> onOnceDone;
    private volatile boolean stopped;

    public RunWatcher(CamelContext context, Activity activity, Handoff handoff, RunContext run, RunReport report,
                      int quietSeconds, boolean once, Consumer<RunReport.Summary> onOnceDone) {
        this.context = context;
        this.activity = activity;
        this.handoff = handoff;
        this.run = run;
        this.report = report;
        this.quietNanos = quietSeconds * 1_000_000_000L;
        this.once = once;
        this.onOnceDone = onOnceDone;
    }

    @Override
    public void run() {
        try {
            while (!stopped) {
                Thread.sleep(250);
                // while the guard is closed the work is paused, not done, and no report may be written
                if (!context.getStatus().isStarted() || FileStore.guard().blocked().isPresent() || !quiet()) {
                    continue;
                }
                if (once) {
                    RunReport.Summary summary = report.write(run.runId());
                    LOG.info("Run finished: {}{} -> {}", summary.counts(),
                            summary.notDone().isEmpty() ? "" : ", not done: " + summary.notDone().size(), summary.file());
                    onOnceDone.accept(summary);
                    return;
                }
                long ended = run.runId();
                if (report.hasInputs(ended)) {
                    run.rollOver();
                    RunReport.Summary summary = report.write(ended);
                    LOG.info("Batch finished: {} -> {}", summary.counts(), summary.file());
                }
                activity.workHappened(); // do not re-check this same quiet period
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.error("Run watcher failed: {}", e.getMessage(), e);
            if (once) {
                onOnceDone.accept(null); // `once` must still end, and not as a success
            }
        }
    }

    private boolean quiet() throws java.io.IOException {
        if (handoff.pending() > 0) {
            return false;
        }
        List<Endpoint> watched = new ArrayList<>();
        for (Route route : context.getRoutes()) {
            if (route.getEndpoint().getEndpointUri().startsWith("file:")
                    && context.getRouteController().getRouteStatus(route.getRouteId()) == ServiceStatus.Started) {
                watched.add(route.getEndpoint());
            }
        }
        return activity.quiet(watched, context.getInflightRepository().size(), quietNanos);
    }

    public void stop() {
        stopped = true;
    }
}
