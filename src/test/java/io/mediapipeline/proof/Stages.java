package io.mediapipeline.proof;

import io.mediapipeline.cleanup.CleanupStage;
import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.flow.Stage;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ops.Activity;
import io.mediapipeline.ops.Metrics;
import io.mediapipeline.scrub.ScrubStage;
import io.mediapipeline.verify.VerifyStage;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.CamelBeanPostProcessor;
import org.apache.camel.support.PluginHelper;

/**
 * The verify, cleanup and scrub stages as the application starts them, without their timers: a Camel context
 * whose registry holds the shared beans and the test's targets, removal and guard; each stage's settings checked,
 * its beans bound by Camel's own post-processor ({@code @BindToRegistry}), then its startup recovery
 * ({@code configure}). A pass calls the beans by name as the routes' steps do (routes/80-verify, 85-cleanup,
 * 90-scrub).
 */
final class Stages implements Pipeline {

    private final CamelContext camel;

    private Stages(CamelContext camel) {
        this.camel = camel;
    }

    /** A start of the process: new beans, and the recovery each stage does before its routes start. */
    static Pipeline start(World world, Settings settings, Database db) {
        try {
            CamelContext camel = new DefaultCamelContext();
            Properties props = settings.forCamel();
            props.setProperty("mediapipeline.once", "false");
            camel.getPropertiesComponent().setOverrideProperties(props);
            var registry = camel.getRegistry();
            Ledger ledger = world.ledger;
            registry.bind("settings", settings);
            registry.bind("dataSource", db.dataSource());
            registry.bind("ledger", ledger);
            registry.bind("run", new RunContext(ledger, "run", "proof"));
            registry.bind("handoff", new Handoff(world.home.resolve("work"), List.of()));
            registry.bind("activity", new Activity());
            registry.bind("metrics", new Metrics());
            registry.bind("guard", world.guard);
            registry.bind("pixelProof", world.pixel);
            registry.bind("icloudProof", world.icloud);
            registry.bind("icloudOriginalRemoval", world.removal);
            CamelBeanPostProcessor beans = PluginHelper.getBeanPostProcessor(camel);
            List<Stage> stages = List.of(new VerifyStage(), new CleanupStage(), new ScrubStage());
            for (Stage s : stages) {
                s.check(settings);
                beans.postProcessBeforeInitialization(s, s.getClass().getName());
                beans.postProcessAfterInitialization(s, s.getClass().getName());
            }
            for (Stage s : stages) {
                s.configure(camel);
            }
            return new Stages(camel);
        } catch (Exception e) {
            throw new IllegalStateException("the stages did not start: " + e.getMessage(), e);
        }
    }

    @Override
    public void verify() throws Exception {
        Object picked = call("verifier", "pick");
        if (picked != null) {
            call("verifier", "verify", picked);
        }
    }

    @Override
    public void cleanup() throws Exception {
        call("cleaner", "pass");
    }

    @Override
    public void purge() throws Exception {
        call("trashPurge", "purge");
    }

    @Override
    public void scrub() throws Exception {
        call("scrubber", "run");
    }

    /** A route's bean step: the bean by its name, the method by its name (as Camel's bean component finds them). */
    private Object call(String bean, String method, Object... args) throws Exception {
        Object target = camel.getRegistry().lookupByName(bean);
        if (target == null) {
            throw new IllegalStateException("no bean '" + bean + "' bound by the stages");
        }
        Method m = Arrays.stream(target.getClass().getMethods())
                .filter(x -> x.getName().equals(method) && x.getParameterCount() == args.length).findFirst()
                .orElseThrow(() -> new IllegalStateException(bean + " has no method " + method));
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
