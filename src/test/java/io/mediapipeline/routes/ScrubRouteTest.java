package io.mediapipeline.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.camel.ServiceStatus;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

/** scrub: each firing of the schedule runs the scrubber once; a failed run is logged, not repeated at once. */
class ScrubRouteTest extends RouteTestSupport {

    private volatile boolean failing;

    @Override
    protected List<String> routeFiles() {
        return List.of("90-scrub.camel.yaml");
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("pipeline.scrub.enabled", "true");
    }

    @Override
    protected void bindFakes(Registry registry) {
        registry.bind("scrubber", new Object() {
            public void run() throws java.io.IOException {
                calls.add("scrubber.run");
                if (failing) {
                    throw new java.io.IOException("disk gone");
                }
            }
        });
    }

    @Test
    void eachFiringRunsTheScrubOnce() throws Exception {
        // the cron trigger itself is Quartz's; what the route promises is what a firing does
        advise("scrub", a -> a.replaceFromWith("direct:scrub-schedule"));
        context.start();

        template.sendBody("direct:scrub-schedule", null);
        template.sendBody("direct:scrub-schedule", null);

        assertThat(calls).containsExactly("scrubber.run", "scrubber.run");
        assertThat(context.getRouteController().getRouteStatus("scrub")).isEqualTo(ServiceStatus.Started);
    }

    @Test
    void aFailedRunIsNotRepeatedAtOnce() throws Exception {
        advise("scrub", a -> a.replaceFromWith("direct:scrub-schedule"));
        context.start();
        failing = true;

        var ex = template.send("direct:scrub-schedule", e -> { });

        assertThat(ex.getException()).as("handled: the next firing goes on").isNull();
        assertThat(calls).containsExactly("scrubber.run");
        assertThat(context.getRouteController().getRouteStatus("scrub")).isEqualTo(ServiceStatus.Started);
    }
}
