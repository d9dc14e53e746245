package io.mediapipeline.verify;

import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Guard;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.flow.Stage;
import io.mediapipeline.flow.TargetProof;
import io.mediapipeline.ops.Metrics;
import java.time.Clock;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verify as a stage: the bean routes/80-verify.camel.yaml calls (verifier) and, when it is on, its part in `once`'s
 * wait and its recovery at startup (files this node was verifying when it stopped are due again). Its work is in
 * the ledger (archived files), so it follows no stage; the targets are found in the registry by type on each pass.
 */
public class VerifyStage implements Stage {

    private static final Logger LOG = LoggerFactory.getLogger(VerifyStage.class);
    public static final String STAGE = "verify";

    @PropertyInject(value = "mediapipeline.once", defaultValue = "false")
    boolean once;

    private VerifyConfig config;
    private Verifier verifier;
    private VerifyLedger ledger;

    @Override
    public void check(Settings settings) {
        config = VerifyConfig.from(settings);
    }

    @BindToRegistry("verifier")
    public synchronized Verifier verifier(CamelContext camel, Settings settings, DataSource dataSource, RunContext run,
                                          Metrics metrics) {
        if (verifier == null) {
            VerifyConfig c = config != null ? config : VerifyConfig.from(settings);
            ledger = new VerifyLedger(dataSource);
            verifier = new Verifier(c, ledger, new LocalCopies(settings.home()), () -> Guard.bound(camel.getRegistry()),
                    () -> camel.getRegistry().findByType(TargetProof.class), run, metrics, settings.node(),
                    Clock.systemUTC());
        }
        return verifier;
    }

    /** Runs after the beans are bound and before any route starts. */
    @Override
    public void configure(CamelContext camel) throws Exception {
        if (!config.enabled()) {
            return;
        }
        int released = verifier.releaseClaims();
        if (released > 0) {
            LOG.info("{} file(s) this node was verifying when it stopped are due again", released);
        }
        boolean once = this.once;
        boolean compressOn = config.compressOn();
        camel.getRegistry().findSingleByType(Handoff.class).track(STAGE, new Handoff.StageState() {
            @Override
            public boolean holding() {
                return Guard.bound(camel.getRegistry()).blocked().isPresent();
            }

            @Override
            public long outstanding() {
                // a pass that cannot prove a file sets its next look in the future, so this count always falls
                return once && !holding() ? ledger.dueCount(compressOn) : 0;
            }
        });
    }
}
