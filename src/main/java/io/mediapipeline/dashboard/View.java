package io.mediapipeline.dashboard;

import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * Renders the dashboard's server-side pages: a Mustache template from {@code src/main/resources/dashboard/}
 * ({@code <name>.mustache}, HTML-escaped with double braces) inside the common layout (navigation, the
 * "needs you" banner, a one-time message). Every model also has {@code csrf}: each form that posts carries it as
 * {@code <input type="hidden" name="csrf" value="{{csrf}}">}.
 */
public interface View {

    /** Sends 200 text/html: {@code template} rendered with {@code model} inside the layout titled {@code title}. */
    void render(RoutingContext ctx, String template, String title, Map<String, Object> model);

    /** After a POST: 303 to {@code path} (a dashboard path), showing {@code message} once on the next page. */
    void redirect(RoutingContext ctx, String path, String message);

    /** A plain page with status {@code status} (400, 404, 409...) and one sentence saying why. */
    void error(RoutingContext ctx, int status, String message);
}
