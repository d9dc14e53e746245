package io.mediapipeline.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

/** confirm-pixel: the confirmer checks the phone every confirm-poll-ms; a failed check does not stop the next. */
class ConfirmPixelRouteTest extends RouteTestSupport {

    private final AtomicInteger checks = new AtomicInteger();
    private volatile boolean syncthingDown;

    @Override
    protected List<String> routeFiles() {
        return List.of("65-confirm-pixel.camel.yaml");
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("pipeline.target.pixel.enabled", "true", "pipeline.target.pixel.confirm-poll-ms", "100");
    }

    @Override
    protected void bindFakes(Registry registry) {
        registry.bind("pixelConfirmer", new Object() {
            public void check() {
                checks.incrementAndGet();
                if (syncthingDown) {
                    throw new IllegalStateException("Syncthing not reachable");
                }
            }
        });
    }

    @Test
    void checksThePhoneOnEveryPoll() throws Exception {
        context.start();
        NotifyBuilder three = new NotifyBuilder(context).fromRoute("confirm-pixel").whenCompleted(3).create();

        assertThat(three.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(checks.get()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aFailedCheckIsTriedAgainOnTheNextPoll() throws Exception {
        syncthingDown = true;
        context.start();
        NotifyBuilder failed = new NotifyBuilder(context).fromRoute("confirm-pixel").whenFailed(2).create();

        assertThat(failed.matches(10, TimeUnit.SECONDS)).isTrue();
        syncthingDown = false;
        NotifyBuilder recovered = new NotifyBuilder(context).fromRoute("confirm-pixel").whenCompleted(1).create();
        assertThat(recovered.matches(10, TimeUnit.SECONDS)).isTrue();
    }
}
