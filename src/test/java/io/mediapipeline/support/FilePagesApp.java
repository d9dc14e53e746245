package io.mediapipeline.support;

import io.mediapipeline.config.Settings;
import io.mediapipeline.dashboard.DashboardModule;
import io.mediapipeline.dashboard.files.FilePages;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.observe.ObserveModule;
import java.util.Properties;
import org.apache.camel.main.Main;

/**
 * camel-main with the dashboard and its file pages over a test's ledger and no routes, the management server
 * configured as the service configures it.
 */
public final class FilePagesApp {

    private FilePagesApp() {
    }

    /** Started; the caller stops it. */
    public static Main start(String name, Settings settings, Ledger ledger, Handoff handoff) throws Exception {
        Main main = new Main();
        Properties p = settings.forCamel();
        p.setProperty("camel.main.name", name);
        p.setProperty("camel.main.routes-include-pattern", "classpath:none/*.yaml");
        p.putAll(ObserveModule.camelProperties(settings));
        main.setOverrideProperties(p);
        main.bind("settings", settings);
        main.bind("ledger", ledger);
        main.bind("dataSource", ledger.dataSource());
        main.bind("handoff", handoff);
        DashboardModule dashboard = new DashboardModule();
        dashboard.check(settings);
        main.configure().addConfiguration(dashboard);
        main.configure().addConfiguration(new FilePages());
        main.start();
        return main;
    }
}
