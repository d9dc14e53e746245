package io.mediapipeline.dashboard.files;

import io.mediapipeline.dashboard.Page;
import io.mediapipeline.dashboard.View;
import io.vertx.ext.web.Router;

/** /similar: the near-duplicate groups with their keep suggestion, for review; no action is offered. */
public final class SimilarPage implements Page {

    private final Similar similar;

    public SimilarPage(Similar similar) {
        this.similar = similar;
    }

    @Override
    public String path() {
        return "/similar";
    }

    @Override
    public String label() {
        return "Similar";
    }

    @Override
    public int order() {
        return 45;
    }

    @Override
    public void mount(Router router, View view) {
        router.get("/similar").blockingHandler(ctx -> view.render(ctx, "similar", "Similar", similar.model()), false);
    }
}
