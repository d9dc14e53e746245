package io.mediapipeline.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.ServiceStatus;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

/** 85-cleanup with cleanup off (the default): no pass ever runs, but trash/ is still purged. */
class CleanupOffRouteTest extends RouteTestSupport {

    private final AtomicInteger passes = new AtomicInteger();

    @Override
    protected List<String> routeFiles() {
        return List.of("85-cleanup.camel.yaml");
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("pipeline.cleanup.poll-seconds", "1");
    }

    @Override
    protected void bindFakes(Registry registry) {
        registry.bind("cleaner", new Object() {
            public void pass() {
                passes.incrementAndGet();
            }
        });
        registry.bind("trashPurge", new Object() {
            public int purge() {
                return 0;
            }
        });
    }

    @Test
    void noPassRunsWhileCleanupIsOff() throws Exception {
        NotifyBuilder purged = new NotifyBuilder(context).fromRoute("purge-trash-at-start").whenCompleted(1).create();
        context.start();
        assertThat(purged.matches(15, TimeUnit.SECONDS)).isTrue();
        assertThat(context.getRouteController().getRouteStatus("cleanup")).isEqualTo(ServiceStatus.Stopped);
        assertThat(passes.get()).isZero();
    }
}
