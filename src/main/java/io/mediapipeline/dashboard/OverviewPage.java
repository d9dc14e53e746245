package io.mediapipeline.dashboard;

import io.mediapipeline.status.PipelineStatus;
import io.mediapipeline.status.Snapshot;
import io.mediapipeline.status.StageView;
import io.mediapipeline.status.Totals;
import io.mediapipeline.status.Wording;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline at a glance ({@code /}): each stage with its counts, queue, last run and success, progress and
 * route state, with Stop and Start buttons that act on the stage's routes through Camel's route controller (the
 * same route ids as over JMX); the library's totals below.
 */
final class OverviewPage implements Page {

    private static final Logger LOG = LoggerFactory.getLogger(OverviewPage.class);

    private final CamelContext camel;
    private final Supplier<PipelineStatus> status;

    OverviewPage(CamelContext camel, Supplier<PipelineStatus> status) {
        this.camel = camel;
        this.status = status;
    }

    @Override
    public String path() {
        return "/";
    }

    @Override
    public String label() {
        return "Overview";
    }

    @Override
    public int order() {
        return 0;
    }

    @Override
    public void mount(Router router, View view) {
        router.get("/").blockingHandler(ctx -> show(ctx, view), false);
        router.post("/stages/:stage/:action").blockingHandler(ctx -> control(ctx, view), false);
    }

    private void show(RoutingContext ctx, View view) {
        PipelineStatus st = status.get();
        if (st == null) {
            view.error(ctx, 503, "The pipeline's status is not available in this process.");
            return;
        }
        Snapshot snap;
        try {
            snap = st.now();
        } catch (RuntimeException e) {
            LOG.warn("dashboard: status unavailable: {}", e.getMessage());
            view.error(ctx, 503, "The pipeline's status cannot be read right now; see the service's log.");
            return;
        }
        List<Map<String, Object>> stages = new ArrayList<>();
        for (StageView s : snap.stages()) {
            Map<String, Object> m = new HashMap<>();
            m.put("stage", s.stage());
            m.put("routes", String.join(", ", s.routes()));
            m.put("state", s.routeState());
            m.put("stateClass", s.routeState().toLowerCase(Locale.ROOT));
            m.put("in", s.in());
            m.put("out", s.out());
            m.put("failed", s.failed());
            m.put("hasFailed", s.failed() > 0);
            m.put("queued", s.queued());
            m.put("lastRun", s.lastRun().map(Wording::when).orElse("never"));
            m.put("lastSuccess", s.lastSuccess().map(Wording::when).orElse("never"));
            // the words of the log's progress lines and the notifications
            s.progress().ifPresent(p -> m.put("progress", Wording.count(p.left(), "file") + " left, " + Wording.pace(p)));
            boolean controllable = !s.routes().isEmpty() && !s.routeState().equals(StageView.OFF);
            m.put("canStop", controllable && !s.routeState().equals("Stopped"));
            m.put("canStart", controllable && !s.routeState().equals("Started"));
            stages.add(m);
        }
        Totals t = snap.totals();
        Map<String, Object> totals = Map.of("files", t.files(), "original", Wording.bytes(t.bytesOriginal()),
                "compressed", Wording.bytes(t.bytesCompressed()), "saved", Wording.bytes(t.bytesSaved()),
                "pixel", t.deliveredPixel(), "icloud", t.deliveredIcloud(), "pending", t.pending(),
                "failed", t.failed(), "quarantined", t.quarantined());
        view.render(ctx, "overview", "Overview", Map.of("stages", stages, "totals", totals,
                "at", Wording.when(snap.at()), "allWell", snap.needsYou().isEmpty()));
    }

    private boolean switchedOff(String stage) {
        PipelineStatus st = status.get();
        return st != null && st.now().stages().stream()
                .anyMatch(v -> v.stage().equals(stage) && v.routeState().equals(StageView.OFF));
    }

    private void control(RoutingContext ctx, View view) {
        String stage = ctx.pathParam("stage");
        String action = ctx.pathParam("action");
        List<String> routes = camel.getRoutes().stream().filter(r -> stage.equals(r.getGroup())).map(Route::getId)
                .sorted().toList();
        if (routes.isEmpty()) {
            view.error(ctx, 404, "There is no stage of that name.");
            return;
        }
        if (!action.equals("stop") && !action.equals("start")) {
            view.error(ctx, 400, "A stage can be stopped or started, nothing else.");
            return;
        }
        if (action.equals("start") && switchedOff(stage)) {
            view.error(ctx, 409, "The stage " + stage + " is switched off in the settings; switch it on there and restart.");
            return;
        }
        List<String> done = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (String id : routes) {
            try {
                if (action.equals("stop")) {
                    camel.getRouteController().stopRoute(id);
                } else {
                    camel.getRouteController().startRoute(id);
                }
                done.add(id);
            } catch (Exception e) {
                LOG.warn("dashboard: could not {} route {}: {}", action, id, e.getMessage());
                failed.add(id);
            }
        }
        String past = action.equals("stop") ? "stopped" : "started";
        if (!done.isEmpty()) {
            LOG.info("dashboard: {} {} of {}", past, String.join(", ", done), stage);
        }
        view.redirect(ctx, "/", failed.isEmpty()
                ? capitalized(past) + " " + stage + " (" + String.join(", ", routes) + ")."
                : "Could not " + action + " " + String.join(", ", failed) + " of " + stage + "; see the service's log."
                        + (done.isEmpty() ? "" : " " + capitalized(past) + ": " + String.join(", ", done) + "."));
    }

    private static String capitalized(String word) {
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }
}
