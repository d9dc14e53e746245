package io.mediapipeline.flow;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import java.util.List;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;

/**
 * A stage of the pipeline as the application sees it: one class per stage, registered in one line of
 * {@code Application}. Camel binds its beans ({@code @BindToRegistry} methods, whose parameters are the
 * shared beans looked up by type: Settings, Ledger, Handoff, RunContext, Activity, Metrics, ExifTool,
 * MediaProbe, DataSource, and the CamelContext itself); {@link #configure} then runs the stage's recovery
 * after a crash, before any route starts. The route itself is the stage's file under routes/.
 */
public interface Stage extends CamelConfiguration {

    /**
     * Reads and validates the stage's settings (its config record's {@code from(Settings)}) before anything
     * starts, so a bad value ends the start with one line naming the key.
     */
    void check(Settings settings) throws ConfigException;

    /** Per-name keys the stage reads (one iCloud account's, say), accepted when the settings load. */
    default List<Settings.Family> keyFamilies() {
        return List.of();
    }

    /**
     * Runs {@code stop} when the context stops, after the routes: work still running has Camel's graceful shutdown
     * to finish before the stage's threads end.
     */
    static void stopAfterRoutes(CamelContext camel, Runnable stop) throws Exception {
        camel.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                stop.run();
            }
        }, true, true);
    }
}
