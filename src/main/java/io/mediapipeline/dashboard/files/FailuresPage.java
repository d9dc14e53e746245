package io.mediapipeline.dashboard.files;

import io.mediapipeline.dashboard.Page;
import io.mediapipeline.dashboard.View;
import io.vertx.ext.web.Router;

/** /failures: files in error and quarantined inputs; POST /failures/retry tries one again where that can help. */
public final class FailuresPage implements Page {

    private final Failures failures;
    private final Retries retries;

    public FailuresPage(Failures failures, Retries retries) {
        this.failures = failures;
        this.retries = retries;
    }

    @Override
    public String path() {
        return "/failures";
    }

    @Override
    public String label() {
        return "Failures";
    }

    @Override
    public int order() {
        return 30;
    }

    @Override
    public void mount(Router router, View view) {
        router.get("/failures").blockingHandler(ctx -> {
            int page = 1;
            String p = ctx.request().getParam("page");
            if (p != null && p.matches("[1-9][0-9]{0,5}")) {
                page = Integer.parseInt(p);
            }
            view.render(ctx, "files-failures", "Failures", failures.page(page));
        }, false);
        router.post("/failures/retry").blockingHandler(ctx -> {
            String kind = ctx.request().getFormAttribute("kind");
            String id = ctx.request().getFormAttribute("id");
            Retries.Outcome outcome;
            if ("file".equals(kind) && id != null) {
                outcome = retries.file(id);
            } else if ("compress".equals(kind) && id != null) {
                outcome = retries.compress(id);
            } else if ("input".equals(kind) && id != null && id.matches("[1-9][0-9]{0,18}")) {
                outcome = retries.input(Long.parseLong(id));
            } else {
                view.error(ctx, 400, "A retry names a file or an input.");
                return;
            }
            view.redirect(ctx, "/failures", outcome.message());
        }, false);
    }
}
