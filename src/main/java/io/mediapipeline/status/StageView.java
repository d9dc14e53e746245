package io.mediapipeline.status;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One stage: its routes (ids as in JMX), their state, and its counts from the ledger.
 *
 * @param stage        the route group (the stage's name on the dashboard and in metric tags)
 * @param routes       its route ids
 * @param routeState   "Started", "Stopped", "Suspended", "mixed", or {@link #OFF} (switched off in the settings)
 * @param in           files that reached the stage (all time)
 * @param out          files the stage finished (all time)
 * @param failed       files the stage failed or quarantined (all time)
 * @param queued       files waiting for the stage now
 * @param lastRun      when the stage last did anything (empty: never)
 * @param lastSuccess  when the stage last finished a file (empty: never)
 * @param progress     rate and time left while a backlog is worked through (empty: no backlog)
 */
public record StageView(String stage, List<String> routes, String routeState, long in, long out, long failed,
                        long queued, Optional<Instant> lastRun, Optional<Instant> lastSuccess,
                        Optional<Progress> progress) {

    /** The route state of a stage switched off in the settings: it is neither stopped nor started from the dashboard. */
    public static final String OFF = "Off";

    public StageView {
        routes = List.copyOf(routes);
    }
}
