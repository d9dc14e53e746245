package io.mediapipeline.icloud.upload;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.flow.Stage;
import io.mediapipeline.icloud.IcloudAccounts;
import io.mediapipeline.icloud.IcloudConfig;
import io.mediapipeline.icloud.removal.RemovalConfig;
import io.mediapipeline.ops.Metrics;
import java.util.concurrent.ExecutorService;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;

/**
 * The upload to iCloud Photos as a stage: the beans routes/70-upload-icloud.camel.yaml calls (icloudUploader, and
 * icloudUploadWorkers, the one or two threads files go up on), the beans of verify and cleanup (icloudProof,
 * icloudOriginalRemoval, icloudCopySource) and, when the target is on, its part in `once`'s
 * wait. It follows no stage: its work is in the ledger (files whose compress decision is made), so a crash needs no
 * recovery beyond what the rows say.
 */
public class UploadStage implements Stage {

    public static final String STAGE = UploadLedger.STAGE;

    @PropertyInject(value = "mediapipeline.once", defaultValue = "false")
    boolean once;

    private UploadConfig config;
    private Settings settings;
    private final UploadSteps steps = new UploadSteps();
    /** Wired in {@link #configure} when the upload is on; the removal and the copy source use its sessions. */
    private volatile UploadParts parts;

    @Override
    public void check(Settings settings) {
        config = UploadConfig.from(settings);
        if (config.enabled() && !settings.bool("pipeline.compress.enabled")) {
            // a file goes up once its compress decision is made; without compression that never happens
            throw new ConfigException(UploadConfig.P + "enabled=true needs pipeline.compress.enabled=true: a file goes up"
                    + " to iCloud once compression has decided on it (its smaller copy, or the original where compression"
                    + " keeps it)");
        }
        // nothing here removes anything, but a bad removal setting is refused at the start like any other
        RemovalConfig.from(settings);
    }

    @BindToRegistry("icloudUploader")
    public UploadSteps icloudUploader(Settings settings) {
        this.settings = settings;
        return steps;
    }

    /** Verify's proof that iCloud holds a file (from the ledger: the prover read it back). */
    @BindToRegistry("icloudProof")
    public IcloudProof icloudProof(Settings settings, DataSource dataSource) {
        return new IcloudProof(config(settings), dataSource);
    }

    /** Cleanup's removal of a verified file's original from iCloud (pipeline.target.icloud.removal.*). */
    @BindToRegistry("icloudOriginalRemoval")
    public IcloudOriginalRemoval icloudOriginalRemoval(Settings settings, DataSource dataSource) {
        return new IcloudOriginalRemoval(originals(settings, dataSource));
    }

    /** The scrub's restore of an original from iCloud. */
    @BindToRegistry("icloudCopySource")
    public IcloudCopySource icloudCopySource(Settings settings, DataSource dataSource) {
        return new IcloudCopySource(originals(settings, dataSource));
    }

    @BindToRegistry("icloudUploadWorkers")
    public ExecutorService icloudUploadWorkers(CamelContext camel, Settings settings) {
        int n = config(settings).parallelism();
        return camel.getExecutorServiceManager().newFixedThreadPool(this, "icloud-upload", n);
    }

    private Originals originals(Settings settings, DataSource dataSource) {
        return new Originals(RemovalConfig.from(settings), dataSource, settings.home(), () -> parts);
    }

    private UploadConfig config(Settings settings) {
        return config != null ? config : UploadConfig.from(settings);
    }

    /** Runs after the beans are bound and before any route starts. */
    @Override
    public void configure(CamelContext camel) throws Exception {
        if (!config.enabled()) {
            return;
        }
        IcloudAccounts shared = camel.getRegistry().lookupByNameAndType("icloudAccounts", IcloudAccounts.class);
        if (shared == null) {
            throw new IllegalStateException("the iCloud accounts' shared lock and budget (icloudAccounts) is not bound");
        }
        DataSource ds = camel.getRegistry().findSingleByType(DataSource.class);
        RunContext run = camel.getRegistry().findSingleByType(RunContext.class);
        Metrics metrics = camel.getRegistry().findSingleByType(Metrics.class);
        Settings s = settings != null ? settings : camel.getRegistry().findSingleByType(Settings.class);
        parts = UploadParts.wire(config, ds, IcloudConfig.withoutSecrets(s).accounts(), shared, run, metrics);
        steps.attach(parts.uploader(), parts.prover());
        Handoff handoff = camel.getRegistry().findSingleByType(Handoff.class);
        handoff.track(STAGE, new OnceWait(once, config.onceWait(), parts.picker(), parts.uploader(), parts.prover(),
                parts.ledger()));
        camel.getManagementStrategy().addEventNotifier(new CloseSessions(parts));
    }

    /** Signs the web clients out (closes them) when Camel stops. */
    private static final class CloseSessions extends EventNotifierSupport {

        private final UploadParts sessions;

        CloseSessions(UploadParts sessions) {
            this.sessions = sessions;
            setIgnoreExchangeEvents(true);
            setIgnoreRouteEvents(true);
            setIgnoreServiceEvents(true);
            setIgnoreStepEvents(true);
        }

        @Override
        public boolean isEnabled(CamelEvent event) {
            return event instanceof CamelEvent.CamelContextStoppedEvent;
        }

        @Override
        public void notify(CamelEvent event) {
            sessions.close();
        }
    }
}
