package io.mediapipeline.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.service.ServiceHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard's hold on the routes: a closed guard suspends timer, Quartz and file consumers (routes stay registered
 * and started), an open one resumes exactly those, and a route the operator stopped stays stopped.
 */
class GuardPolicyTest {

    @TempDir
    Path dir;

    private volatile String closedFor;
    private final AtomicInteger ticks = new AtomicInteger();
    private final AtomicInteger quartzTicks = new AtomicInteger();
    private final AtomicInteger operatorTicks = new AtomicInteger();
    private final AtomicInteger files = new AtomicInteger();
    private CamelContext camel;
    private final Metrics metrics = new Metrics();

    @AfterEach
    void stop() {
        if (camel != null) {
            camel.stop();
        }
    }

    private GuardPolicy start() throws Exception {
        camel = new DefaultCamelContext();
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("timer:t?period=50").routeId("timer").process(e -> ticks.incrementAndGet());
                from("timer:op?period=50").routeId("operator").process(e -> operatorTicks.incrementAndGet());
                from("quartz:guard-test/q?cron=0/1+*+*+*+*+?").routeId("quartz").process(e -> quartzTicks.incrementAndGet());
                from("file:" + dir.resolve("in") + "?delete=true&delay=50&initialDelay=0").routeId("files")
                        .to("direct:work");
                from("direct:work").routeId("work").process(e -> files.incrementAndGet());
            }
        });
        camel.start();
        return new GuardPolicy(camel, () -> Optional.ofNullable(closedFor), 1, metrics, null, null);
    }

    @Test
    void aClosedGuardHoldsEveryConsumerAndItsOpeningResumesThemButNotTheOperatorsStop() throws Exception {
        GuardPolicy policy = start();
        await().atMost(Duration.ofSeconds(5)).until(() -> ticks.get() > 0 && quartzTicks.get() > 0);

        closedFor = "the NAS marker /mnt/nas/.m is missing (is the NAS mounted?)";
        policy.check();
        assertThat(policy.closedFor()).contains(closedFor);
        assertThat(metrics.snapshot()).containsEntry("guard.closed", 1).containsEntry("guard.pauses", 1L);
        Thread.sleep(300); // a tick already running may end
        int timerBefore = ticks.get();
        int quartzBefore = quartzTicks.get();
        Path photo = Files.writeString(Files.createDirectories(dir.resolve("in")).resolve("a.jpg"), "photo");
        camel.getRouteController().stopRoute("operator");
        Thread.sleep(1_500); // longer than the Quartz period and many timer and poll periods

        assertThat(ticks.get()).isEqualTo(timerBefore);
        assertThat(quartzTicks.get()).isEqualTo(quartzBefore);
        assertThat(photo).as("the file consumer took nothing").exists();
        assertThat(files.get()).isZero();
        assertThat(camel.getRouteController().getRouteStatus("timer")).as("suspended, not unregistered nor stopped")
                .isEqualTo(ServiceStatus.Started);
        assertThat(ServiceHelper.isStarted(camel.getRoute("work").getConsumer()))
                .as("direct consumers stay, so work in flight ends").isTrue();

        closedFor = null;
        policy.check();
        assertThat(policy.closedFor()).isEmpty();
        assertThat(metrics.snapshot()).containsEntry("guard.closed", 0);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(ticks.get()).isGreaterThan(timerBefore);
            assertThat(quartzTicks.get()).isGreaterThan(quartzBefore);
            assertThat(files.get()).isEqualTo(1);
            assertThat(photo).doesNotExist();
        });
        int operatorBefore = operatorTicks.get();
        Thread.sleep(200);
        assertThat(camel.getRouteController().getRouteStatus("operator")).isEqualTo(ServiceStatus.Stopped);
        assertThat(operatorTicks.get()).isEqualTo(operatorBefore);
    }

    @Test
    void aRouteStartedWhileClosedIsHeldAtTheNextLookAndTheWatcherRunsByItself() throws Exception {
        GuardPolicy policy = start();
        camel.getRouteController().stopRoute("timer");
        closedFor = "only 812 MiB free under /data (pipeline.guard.min-free-mb=1024)";
        camel.addService(policy, true, true); // the watcher looks every second
        await().atMost(Duration.ofSeconds(5)).until(() -> policy.closedFor().isPresent());

        camel.getRouteController().startRoute("timer"); // an operator starts it while the guard is closed
        await().atMost(Duration.ofSeconds(5)).until(() -> ServiceHelper.isSuspended(camel.getRoute("timer").getConsumer()));
        int before = ticks.get();
        Thread.sleep(300);
        assertThat(ticks.get()).isEqualTo(before);

        closedFor = null;
        await().atMost(Duration.ofSeconds(5)).until(() -> ticks.get() > before);
        assertThat(policy.closedFor()).isEmpty();
    }
}
