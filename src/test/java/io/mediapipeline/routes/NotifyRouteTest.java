package io.mediapipeline.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.camel.ServiceStatus;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

/** 95-notify: each job's tick calls its bean once; a failed pass is handled and the next tick goes on. */
class NotifyRouteTest extends RouteTestSupport {

    private volatile boolean failing;

    @Override
    protected List<String> routeFiles() {
        return List.of("95-notify.camel.yaml");
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("pipeline.notify.enabled", "true");
    }

    @Override
    protected void bindFakes(Registry registry) {
        registry.bind("notifyAttention", new Fake("attention"));
        registry.bind("notifyFailures", new Fake("failures"));
        registry.bind("notifySummary", new Fake("summary"));
        registry.bind("notifySender", new Fake("sender"));
    }

    /** A bean with every method the routes name. */
    public final class Fake {
        private final String name;

        Fake(String name) {
            this.name = name;
        }

        public void check() {
            call("check");
        }

        public void compose() {
            call("compose");
        }

        public void send() {
            call("send");
        }

        private void call(String method) {
            calls.add(name + "." + method);
            if (failing) {
                throw new IllegalStateException("ledger away");
            }
        }
    }

    @Test
    void eachJobCallsItsBeanAndAFailedPassIsHandled() throws Exception {
        for (String[] r : new String[][] {{"notify-attention", "attention"}, {"notify-failures", "failures"},
                {"notify-summary", "summary"}, {"notify-send", "sender"}}) {
            advise(r[0], a -> a.replaceFromWith("direct:" + r[0]));
        }
        context.start();

        template.sendBody("direct:notify-attention", null);
        template.sendBody("direct:notify-failures", null);
        template.sendBody("direct:notify-summary", null);
        template.sendBody("direct:notify-send", null);
        assertThat(calls).containsExactly("attention.check", "failures.compose", "summary.compose", "sender.send");

        failing = true;
        var ex = template.send("direct:notify-send", e -> { });
        assertThat(ex.getException()).as("handled: the next tick goes on").isNull();
        for (String id : List.of("notify-attention", "notify-failures", "notify-summary", "notify-send")) {
            assertThat(context.getRouteController().getRouteStatus(id)).isEqualTo(ServiceStatus.Started);
            assertThat(context.getRoute(id).getGroup()).isEqualTo("notify");
        }
    }
}
