package io.mediapipeline.dashboard.files;

import io.mediapipeline.dashboard.Page;
import io.mediapipeline.dashboard.View;
import io.vertx.ext.web.Router;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** /files: the search; /files/{id}: one file's journey; /files/{id}/thumb: its thumbnail. */
public final class FilesPage implements Page {

    private final Search search;
    private final Journey journey;
    private final Thumbnails thumbnails;

    public FilesPage(Search search, Journey journey, Thumbnails thumbnails) {
        this.search = search;
        this.journey = journey;
        this.thumbnails = thumbnails;
    }

    @Override
    public String path() {
        return "/files";
    }

    @Override
    public String label() {
        return "Files";
    }

    @Override
    public int order() {
        return 20;
    }

    @Override
    public void mount(Router router, View view) {
        router.get("/files").blockingHandler(ctx -> {
            Search.Result r = search.find(ctx.request().getParam("q"));
            Map<String, Object> model = new LinkedHashMap<>();
            model.put("q", r.term());
            model.put("understood", r.understood());
            model.put("files", r.files());
            model.put("count", r.files().size());
            model.put("none", r.files().isEmpty());
            model.put("more", r.more());
            view.render(ctx, "files-search", "Files", model);
        }, false);
        router.get("/files/:id").blockingHandler(ctx -> {
            Optional<Map<String, Object>> model = journey.of(ctx.pathParam("id"));
            if (model.isEmpty()) {
                view.error(ctx, 404, "No file with that id in the ledger.");
                return;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> file = (Map<String, Object>) model.get().get("file");
            view.render(ctx, "files-journey", String.valueOf(file.get("name")), model.get());
        }, false);
        router.get("/files/:id/thumb").blockingHandler(ctx -> {
            Optional<Path> thumb = thumbnails.of(ctx.pathParam("id"));
            if (thumb.isEmpty()) {
                ctx.response().setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8")
                        .end("no thumbnail");
                return;
            }
            ctx.response().putHeader("Content-Type", "image/jpeg").putHeader("Cache-Control", "private, max-age=86400")
                    .sendFile(thumb.get().toString());
        }, false);
    }
}
