package io.mediapipeline.dashboard;

import io.mediapipeline.status.PipelineStatus;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the dashboard on Camel's management server once it runs and before any route starts: the access gate ahead
 * of every route of its router (Camel's own /observe handlers included), a small body limit for the forms, the CSRF
 * check, the stylesheet, then each {@link Page} bean in order. (The same gate also sits in the server's
 * configuration, so it is there from the first request, before this runs; see {@link DashboardModule#configure}.)
 */
final class Mount implements StartupListener {

    private static final Logger LOG = LoggerFactory.getLogger(Mount.class);
    // a form carries a code, an id, a CSRF token: a few kB at most
    static final int BODY_LIMIT = 16 * 1024;
    static final String CSS_PATH = "/static/dashboard.css";

    private final CamelContext camel;
    private final Access access;
    private final Supplier<PipelineStatus> status;
    private final String tokenOrigin;
    private boolean mounted;

    Mount(CamelContext camel, Access access, Supplier<PipelineStatus> status, String tokenOrigin) {
        this.camel = camel;
        this.access = access;
        this.status = status;
        this.tokenOrigin = tokenOrigin;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        mount();
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        mount();
        if (!mounted) {
            LOG.warn("Dashboard not served: Camel's management server is off (pipeline.management.enabled)");
        }
    }

    private synchronized void mount() {
        ManagementHttpServer server = camel.hasService(ManagementHttpServer.class);
        if (mounted || server == null || server.getRouter() == null) {
            return;
        }
        Router router = server.getRouter();
        List<Page> pages = camel.getRegistry().findByType(Page.class).stream()
                .sorted(Comparator.comparingInt(Page::order).thenComparing(Page::path)).toList();
        // negative orders: ahead of every route Camel added or will add to this router. The gate again: the one
        // in the server's configuration is not reached by POSTs (seen with Vert.x 4.5 in AccessTest).
        router.route().order(-30).handler(access::check);
        router.post().order(-20).handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
        router.post().order(-10).handler(access::csrf);
        byte[] css = resource("dashboard/static/dashboard.css");
        router.get(CSS_PATH).handler(ctx -> ctx.response().putHeader("Content-Type", "text/css; charset=utf-8")
                .putHeader("Cache-Control", "private, max-age=3600").end(io.vertx.core.buffer.Buffer.buffer(css)));
        MustacheView view = new MustacheView(() -> pages, status);
        for (Page page : pages) {
            page.mount(router, view);
        }
        mounted = true;
        String url = "http://" + (server.getHost().contains(":") ? "[" + server.getHost() + "]" : server.getHost())
                + ":" + server.getPort() + "/";
        // where the token is, never the token
        LOG.info("Dashboard on {} ({} page(s)); open it once with ?token=<the management token>, which is {}", url,
                pages.size(), tokenOrigin);
    }

    private static byte[] resource(String name) {
        try (InputStream in = Mount.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
