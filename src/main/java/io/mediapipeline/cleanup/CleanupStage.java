package io.mediapipeline.cleanup;

import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Guard;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.OriginalRemoval;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.flow.Stage;
import io.mediapipeline.flow.TargetProof;
import java.util.Optional;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;

/**
 * Cleanup as a stage: the beans routes/85-cleanup.camel.yaml calls (cleaner: a pass over the verified files;
 * trashPurge: empties trash/ past its retention), its recovery at startup (moves into trash/ a crash interrupted)
 * and, when on, its part in `once`'s wait. It talks to the other stages only through the registry: the guard,
 * the Pixel's TargetProof (may the bridge copies go) and the OriginalRemoval of the files' source.
 */
public class CleanupStage implements Stage {

    public static final String STAGE = "cleanup";

    private CleanupConfig config;
    private CleanupLedger ledger;
    private Trash trash;
    private Cleaner cleaner;
    private TrashPurge purge;

    @Override
    public void check(Settings settings) {
        config = CleanupConfig.from(settings);
    }

    @BindToRegistry("cleaner")
    public Cleaner cleaner(CamelContext camel, Settings settings, DataSource dataSource, RunContext run) {
        return cleanerOf(camel, settings, dataSource, run);
    }

    @BindToRegistry("trashPurge")
    public TrashPurge trashPurge(CamelContext camel, Settings settings, DataSource dataSource) {
        return purgeOf(camel, settings, dataSource);
    }

    // Camel binds the beans in an order of its own: each is made once, whichever is asked for first.

    private synchronized Cleaner cleanerOf(CamelContext camel, Settings settings, DataSource ds, RunContext run) {
        if (cleaner == null) {
            CleanupConfig c = config(settings);
            cleaner = new Cleaner(c, ledger(ds), new FileCleanup(c, ledger(ds), trash(settings, ds)), run,
                    beans(camel.getRegistry()));
        }
        return cleaner;
    }

    private synchronized TrashPurge purgeOf(CamelContext camel, Settings settings, DataSource ds) {
        if (purge == null) {
            purge = new TrashPurge(trash(settings, ds), ledger(ds), () -> Guard.bound(camel.getRegistry()));
        }
        return purge;
    }

    private synchronized Trash trash(Settings settings, DataSource ds) {
        if (trash == null) {
            CleanupConfig c = config(settings);
            trash = new Trash(c.home().toAbsolutePath().normalize(), ledger(ds), c.retention());
        }
        return trash;
    }

    private synchronized CleanupLedger ledger(DataSource ds) {
        if (ledger == null) {
            ledger = new CleanupLedger(ds);
        }
        return ledger;
    }

    private synchronized CleanupConfig config(Settings settings) {
        if (config == null) {
            config = CleanupConfig.from(settings);
        }
        return config;
    }

    static Pass.Beans beans(Registry registry) {
        return new Pass.Beans() {
            @Override
            public Guard guard() {
                return Guard.bound(registry);
            }

            @Override
            public Optional<TargetProof> target(String name) {
                return registry.findByType(TargetProof.class).stream().filter(t -> name.equals(t.target())).findFirst();
            }

            @Override
            public Optional<OriginalRemoval> removal(String source) {
                return registry.findByType(OriginalRemoval.class).stream().filter(r -> r.source().equals(source))
                        .findFirst();
            }
        };
    }

    /** Runs after the beans are bound and before any route starts: interrupted moves into trash/ are settled. */
    @Override
    public void configure(CamelContext camel) throws Exception {
        Settings settings = camel.getRegistry().findSingleByType(Settings.class);
        DataSource ds = camel.getRegistry().findSingleByType(DataSource.class);
        new TrashRecovery(trash(settings, ds), ledger(ds)).recover(Guard.bound(camel.getRegistry()));
        if (!config(settings).enabled()) {
            return;
        }
        Cleaner c = cleanerOf(camel, settings, ds, camel.getRegistry().findSingleByType(RunContext.class));
        camel.getRegistry().findSingleByType(Handoff.class).track(STAGE, new Handoff.StageState() {
            @Override
            public boolean holding() {
                return false;
            }

            @Override
            public long outstanding() {
                return c.due();
            }
        });
    }
}
