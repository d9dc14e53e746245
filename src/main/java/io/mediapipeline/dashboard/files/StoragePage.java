package io.mediapipeline.dashboard.files;

import io.mediapipeline.dashboard.Page;
import io.mediapipeline.dashboard.View;
import io.vertx.ext.web.Router;

/** /storage: bytes before and after compression per month of capture, as a chart and a table. */
public final class StoragePage implements Page {

    private final Storage storage;

    public StoragePage(Storage storage) {
        this.storage = storage;
    }

    @Override
    public String path() {
        return "/storage";
    }

    @Override
    public String label() {
        return "Storage";
    }

    @Override
    public int order() {
        return 40;
    }

    @Override
    public void mount(Router router, View view) {
        router.get("/storage").blockingHandler(ctx -> view.render(ctx, "storage", "Storage", storage.model()), false);
    }
}
