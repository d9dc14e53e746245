package io.mediapipeline.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.camel.ServiceStatus;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

/** near-backfill: each firing of its timer runs one bounded backfill pass. */
class NearBackfillRouteTest extends RouteTestSupport {

    @Override
    protected List<String> routeFiles() {
        return List.of("22-near-duplicates.camel.yaml");
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("pipeline.dedupe.near.enabled", "true");
    }

    @Override
    protected void bindFakes(Registry registry) {
        registry.bind("nearDuplicates", new Object() {
            public int backfill() {
                calls.add("backfill");
                return 0;
            }
        });
    }

    @Test
    void eachFiringRunsOneBackfillPass() throws Exception {
        advise("near-backfill", a -> a.replaceFromWith("direct:near-backfill"));
        context.start();

        template.sendBody("direct:near-backfill", null);
        template.sendBody("direct:near-backfill", null);

        assertThat(calls).containsExactly("backfill", "backfill");
        assertThat(context.getRouteController().getRouteStatus("near-backfill")).isEqualTo(ServiceStatus.Started);
    }
}
