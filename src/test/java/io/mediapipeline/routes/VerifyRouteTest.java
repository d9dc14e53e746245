package io.mediapipeline.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

/**
 * verify: on its timer the route picks due files and hands what it picked to the verifier; a pass that picks
 * nothing calls nothing else, and a failed pass does not stop the next one.
 */
class VerifyRouteTest extends RouteTestSupport {

    private final AtomicInteger picks = new AtomicInteger();
    private final List<List<String>> verified = new CopyOnWriteArrayList<>();

    @Override
    protected List<String> routeFiles() {
        return List.of("80-verify.camel.yaml");
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("pipeline.verify.enabled", "true", "pipeline.verify.poll-seconds", "1");
    }

    @Override
    protected void bindFakes(Registry registry) {
        registry.bind("verifier", new Object() {
            public List<String> pick() {
                return switch (picks.incrementAndGet()) {
                    case 1 -> List.of("a", "b");
                    case 2 -> List.of("boom");
                    case 3 -> List.of("c");
                    default -> null;
                };
            }

            public Map<String, Integer> verify(List<String> files) {
                if (files.contains("boom")) {
                    throw new IllegalStateException("ledger went away");
                }
                verified.add(files);
                return Map.of("verified", files.size());
            }
        });
    }

    @Test
    void eachTickPicksDueFilesAndVerifiesWhatItPicked() throws Exception {
        context.start();
        NotifyBuilder four = new NotifyBuilder(context).fromRoute("verify").whenDone(4).create();
        assertThat(four.matches(20, TimeUnit.SECONDS)).isTrue();
        assertThat(verified).containsExactly(List.of("a", "b"), List.of("c"));
        assertThat(context.getRoute("verify").getEndpoint().getEndpointUri()).startsWith("timer://verify");
        assertThat(context.getRoute("verify").filter("pick-files-to-verify")).hasSize(1);
        assertThat(context.getRoute("verify").filter("verify-files")).hasSize(1);
    }
}
