package io.mediapipeline.dashboard;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import io.mediapipeline.status.Attention;
import io.mediapipeline.status.PipelineStatus;
import io.mediapipeline.status.Wording;
import io.vertx.ext.web.RoutingContext;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link View} with mustache.java: templates from the classpath folder {@code dashboard/}, compiled once, escaped
 * (double braces), each page rendered into {@code layout.mustache} with the navigation, the "needs you" banner and
 * the one-time message.
 */
final class MustacheView implements View {

    private static final Logger LOG = LoggerFactory.getLogger(MustacheView.class);

    private final DefaultMustacheFactory factory = new DefaultMustacheFactory("dashboard");
    private final Map<String, Mustache> compiled = new ConcurrentHashMap<>();
    private final Supplier<List<Page>> pages;
    private final Supplier<PipelineStatus> status;

    MustacheView(Supplier<List<Page>> pages, Supplier<PipelineStatus> status) {
        this.pages = pages;
        this.status = status;
    }

    @Override
    public void render(RoutingContext ctx, String template, String title, Map<String, Object> model) {
        send(ctx, 200, title, template(template, withCsrf(ctx, model)), ctx.request().path());
    }

    @Override
    public void redirect(RoutingContext ctx, String path, String message) {
        Sessions.Session s = ctx.get(Access.SESSION);
        if (s != null && message != null) {
            s.flash = message;
        }
        String target = path.startsWith("/") && !path.startsWith("//") ? path : "/";
        ctx.response().setStatusCode(303).putHeader("Location", target).end();
    }

    @Override
    public void error(RoutingContext ctx, int status, String message) {
        send(ctx, status, "Not possible", template("error", Map.of("message", message)), "");
    }

    /** {@code name}.mustache rendered with {@code model}; the page's own HTML, without the layout. */
    String template(String name, Map<String, Object> model) {
        StringWriter out = new StringWriter();
        compiled.computeIfAbsent(name, n -> factory.compile(n + ".mustache")).execute(out, model);
        return out.toString();
    }

    private void send(RoutingContext ctx, int code, String title, String body, String current) {
        Map<String, Object> layout = new HashMap<>();
        layout.put("title", title);
        layout.put("body", body);
        List<Map<String, Object>> nav = new ArrayList<>();
        for (Page p : pages.get()) {
            if (!p.label().isEmpty()) {
                boolean here = p.path().equals("/") ? current.equals("/") : current.startsWith(p.path());
                nav.add(Map.of("path", p.path(), "label", p.label(), "current", here));
            }
        }
        layout.put("nav", nav);
        List<Map<String, Object>> needsYou = needsYou();
        layout.put("needsYou", needsYou);
        layout.put("hasNeedsYou", !needsYou.isEmpty());
        Sessions.Session s = ctx.get(Access.SESSION);
        String flash = s == null ? null : s.takeFlash();
        if (flash != null) {
            layout.put("flash", flash);
        }
        ctx.response().setStatusCode(code).putHeader("Content-Type", "text/html; charset=utf-8")
                .end(template("layout", layout));
    }

    private List<Map<String, Object>> needsYou() {
        List<Map<String, Object>> out = new ArrayList<>();
        PipelineStatus st = status.get();
        if (st == null) {
            return out;
        }
        try {
            for (Attention a : st.now().needsYou()) {
                out.add(Map.of("kind", a.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                        "subject", a.subject(), "message", a.message(), "since", Wording.when(a.since())));
            }
        } catch (RuntimeException e) {
            LOG.warn("dashboard: the status is unavailable: {}", e.getMessage());
            out.add(Map.of("kind", "status", "subject", "status", "message",
                    "The pipeline's status cannot be read right now; see the service's log.", "since", ""));
        }
        return out;
    }

    private static Map<String, Object> withCsrf(RoutingContext ctx, Map<String, Object> model) {
        Map<String, Object> m = new HashMap<>(model);
        Sessions.Session s = ctx.get(Access.SESSION);
        m.put("csrf", s == null ? "" : s.csrf);
        return m;
    }
}
