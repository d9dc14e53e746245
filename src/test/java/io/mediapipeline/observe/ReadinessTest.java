package io.mediapipeline.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.support.PipelineHome;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Properties;
import javax.sql.DataSource;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;
import org.apache.camel.spi.Registry;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.junit.jupiter.api.Test;

/**
 * Readiness with Camel's health settings as the service applies them: a stage an operator stops is a pause, not an
 * outage (no 503, no alert), while the ledger going away still is.
 */
class ReadinessTest extends CamelMainTestSupport {

    private volatile boolean databaseDown;

    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        try {
            Path home = Files.createDirectories(PipelineHome.projectDir().resolve("target/route-tests"));
            Path tmp = Files.createTempDirectory(home, "ReadinessTest");
            Properties p = ObserveModule.camelProperties(PipelineHome.loadSettings(tmp,
                    "pipeline.home=" + tmp.resolve("home") + "\n", Map.of()));
            p.setProperty("camel.management.enabled", "false"); // the checks, not the HTTP server, are under test
            return p;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected void bindToRegistry(Registry registry) {
        registry.bind("databaseHealthCheck", new DatabaseCheck(database(), Duration.ofSeconds(2)));
    }

    @Override
    protected RoutesBuilder createRouteBuilder() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("timer:tick?period=60000").routeId("compress").routeGroup("compress").log("tick");
            }
        };
    }

    @Test
    void aStageStoppedOnPurposeKeepsTheServiceReadyAndTheDatabaseDownDoesNot() throws Exception {
        assertThat(HealthCheckHelper.invokeReadiness(context, "full").stream().map(r -> r.getCheck().getId()))
                .as("readiness: the pipeline's checks and Camel's context").contains("database", "context");
        assertThat(down()).as("all well").isEmpty();

        context.getRouteController().stopRoute("compress");
        assertThat(context.getRouteController().getRouteStatus("compress").isStopped()).isTrue();
        assertThat(down()).as("a stage paused from the dashboard or JMX is not an outage").isEmpty();

        databaseDown = true;
        assertThat(down()).as("the ledger gone is").containsExactly("database");
    }

    /** The ids of the readiness checks that are DOWN. */
    private Collection<String> down() {
        return HealthCheckHelper.invokeReadiness(context, "full").stream()
                .filter(r -> r.getState() == HealthCheck.State.DOWN).map(r -> r.getCheck().getId()).toList();
    }

    /** Answers "select 1" until the test takes it down. */
    private DataSource database() {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("getConnection")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    if (databaseDown) {
                        throw new SQLException("Connection to 127.0.0.1:5432 refused");
                    }
                    Statement statement = (Statement) Proxy.newProxyInstance(Statement.class.getClassLoader(),
                            new Class<?>[] {Statement.class}, (p, m, a) -> m.getName().equals("execute") ? true : null);
                    return Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                            (p, m, a) -> m.getName().equals("createStatement") ? statement : null);
                });
    }
}
