package io.mediapipeline.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The run reports ({@code /reports}): the files the app writes under reports/, newest first, and one opened as
 * readable HTML (see {@link ReportHtml}), never as raw JSON.
 */
final class ReportsPage implements Page {

    // run-<timestamp>-<run id>.json as RunReport names them; anything else in the folder is not offered
    private static final Pattern NAME = Pattern.compile("run-[0-9TZ]+-[0-9]+\\.json");
    private static final int LISTED = 200;

    private final Path folder;
    private final ObjectMapper json = new ObjectMapper();

    ReportsPage(Path folder) {
        this.folder = folder;
    }

    @Override
    public String path() {
        return "/reports";
    }

    @Override
    public String label() {
        return "Run reports";
    }

    @Override
    public int order() {
        return 80;
    }

    @Override
    public void mount(Router router, View view) {
        router.get("/reports").blockingHandler(ctx -> list(ctx, view), false);
        router.get("/reports/:name").blockingHandler(ctx -> open(ctx, view), false);
    }

    private void list(RoutingContext ctx, View view) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Path p : reports()) {
            String name = p.getFileName().toString();
            rows.add(Map.of("name", name, "title", title(name)));
        }
        view.render(ctx, "reports", "Run reports", Map.of("reports", rows, "none", rows.isEmpty()));
    }

    private void open(RoutingContext ctx, View view) {
        String name = ctx.pathParam("name");
        // the name must be one of ours: no path, no other file
        if (!NAME.matcher(name).matches() || !Files.isRegularFile(folder.resolve(name))) {
            view.error(ctx, 404, "There is no run report of that name.");
            return;
        }
        JsonNode doc;
        try {
            doc = json.readTree(folder.resolve(name).toFile());
        } catch (IOException e) {
            view.error(ctx, 500, "That report cannot be read (" + e.getClass().getSimpleName() + ").");
            return;
        }
        view.render(ctx, "report", title(name), Map.of("name", name, "sections", ReportHtml.sections(doc)));
    }

    private List<Path> reports() {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed())
                    .limit(LISTED).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** "Run 12, 2026-12-02 13:40 UTC" from run-20261202T134000Z-12.json. */
    static String title(String name) {
        String[] parts = name.substring(4, name.length() - 5).split("-");
        String t = parts[0];
        String when = t.length() >= 15 ? t.substring(0, 4) + "-" + t.substring(4, 6) + "-" + t.substring(6, 8) + " "
                + t.substring(9, 11) + ":" + t.substring(11, 13) + " UTC" : t;
        return "Run " + parts[parts.length - 1] + ", " + when;
    }
}
