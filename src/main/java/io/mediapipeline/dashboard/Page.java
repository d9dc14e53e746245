package io.mediapipeline.dashboard;

import io.vertx.ext.web.Router;

/**
 * One page (or a few under one path) of the dashboard. Pages are beans: the dashboard finds every {@code Page} in
 * the registry when the management server starts and mounts them in {@link #order()}. Before any page handler runs,
 * the dashboard has already checked the token or session cookie and, for a POST, the CSRF field; a page only reads
 * its data and renders it.
 */
public interface Page {

    /** The path of its navigation link, e.g. "/files"; every handler it mounts lives under it. */
    String path();

    /** The navigation label, e.g. "Files"; empty for a page without a link (reached from another page). */
    String label();

    /** Position in the navigation (lower first). */
    int order();

    /** Adds its GET (and POST) handlers to the router. Handlers that touch the ledger or files must be blocking ones. */
    void mount(Router router, View view);
}
