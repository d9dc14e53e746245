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

/**
 * 85-cleanup: the cleaner's pass runs every poll-seconds (only when cleanup is on) and a failed pass does not
 * stop the next; the purge runs once at start and stays scheduled, whether cleanup is on or not.
 */
class CleanupRouteTest extends RouteTestSupport {

    private final AtomicInteger passes = new AtomicInteger();
    private final AtomicInteger purges = new AtomicInteger();
    private volatile boolean ledgerDown;

    @Override
    protected List<String> routeFiles() {
        return List.of("85-cleanup.camel.yaml");
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("pipeline.cleanup.enabled", "true", "pipeline.cleanup.poll-seconds", "1");
    }

    @Override
    protected void bindFakes(Registry registry) {
        registry.bind("cleaner", new Object() {
            public void pass() {
                passes.incrementAndGet();
                if (ledgerDown) {
                    throw new IllegalStateException("ledger unavailable");
                }
            }
        });
        registry.bind("trashPurge", new Object() {
            public int purge() {
                purges.incrementAndGet();
                return 0;
            }
        });
    }

    @Test
    void passesRunOnEveryPollAndTheTrashIsPurgedAtStart() throws Exception {
        ledgerDown = true;
        NotifyBuilder purged = new NotifyBuilder(context).fromRoute("purge-trash-at-start").whenCompleted(1).create();
        context.start();
        NotifyBuilder failed = new NotifyBuilder(context).fromRoute("cleanup").whenFailed(1).create();
        assertThat(failed.matches(15, TimeUnit.SECONDS)).isTrue();
        ledgerDown = false;
        NotifyBuilder two = new NotifyBuilder(context).fromRoute("cleanup").whenCompleted(2).create();
        assertThat(two.matches(15, TimeUnit.SECONDS)).isTrue();

        assertThat(purged.matches(15, TimeUnit.SECONDS)).isTrue();
        assertThat(purges.get()).isEqualTo(1);
        assertThat(context.getRouteController().getRouteStatus("purge-trash")).isEqualTo(ServiceStatus.Started);
    }
}
