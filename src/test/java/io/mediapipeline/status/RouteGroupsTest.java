package io.mediapipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** Each route group's routes and their state, as the route controller has them. */
class RouteGroupsTest {

    @Test
    void aGroupIsStartedStoppedSuspendedOrMixed() throws Exception {
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:a").routeId("verify").routeGroup("verify").log("a");
                    from("direct:b").routeId("cleanup").routeGroup("cleanup").log("b");
                    from("direct:c").routeId("purge-trash").routeGroup("cleanup").log("c");
                    from("timer:t?period=60000").routeId("scrub").routeGroup("scrub").log("t");
                }
            });
            camel.start();
            RouteGroups groups = RouteGroups.of(camel);
            assertThat(groups.byGroup().get("cleanup"))
                    .isEqualTo(new RouteGroups.Group(java.util.List.of("cleanup", "purge-trash"), "Started"));

            camel.getRouteController().stopRoute("purge-trash");
            camel.getRouteController().stopRoute("verify");
            camel.getRouteController().suspendRoute("scrub");

            assertThat(groups.byGroup().get("cleanup").state()).isEqualTo("mixed");
            assertThat(groups.byGroup().get("verify").state()).isEqualTo("Stopped");
            assertThat(groups.byGroup().get("scrub").state()).isEqualTo("Suspended");
        }
    }
}
