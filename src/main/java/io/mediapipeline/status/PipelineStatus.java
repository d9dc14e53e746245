package io.mediapipeline.status;

/**
 * The pipeline at a glance, for the dashboard, the notifications and the metrics alike: one computation from the
 * ledger, the routes and the guard, so the page, the phone and Grafana never disagree. Bound as the bean
 * {@code pipelineStatus}. A snapshot may be a few seconds old (it is cached so a scrape or a page view never
 * queries the ledger more than once per refresh).
 */
public interface PipelineStatus {

    /** The latest snapshot (computed now when the cached one is older than the refresh interval). */
    Snapshot now();
}
