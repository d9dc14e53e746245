package io.mediapipeline.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mediapipeline.flow.GuardClosedException;
import io.mediapipeline.ledger.LedgerException;
import io.mediapipeline.pixel.HeldBack;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.file.strategy.GenericFileDeleteProcessStrategy;
import org.apache.camel.spi.PollingConsumerPollStrategy;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

/**
 * stage-pixel: each queue file in work/pixel/ is staged by the stager, at most batch.max-files a poll, none while
 * the stager holds back; the stager hears the end of each poll. With stage-pixel-errors: a held-back file stays
 * queued without a failure recorded, any other failure is retried three times, then recorded.
 */
class StagePixelRouteTest extends RouteTestSupport {

    private volatile boolean holding;
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile boolean heldBack;
    /** How many stage calls the guard refuses first. */
    private final AtomicInteger refusalsLeft = new AtomicInteger();
    /** How many files each poll that found any handed over, as "poll N". */
    private final List<String> polls = new CopyOnWriteArrayList<>();

    @Override
    protected List<String> routeFiles() {
        return List.of("00-error-handling.camel.yaml", "60-stage-pixel.camel.yaml");
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("pipeline.target.pixel.enabled", "true", "pipeline.target.pixel.batch.max-files", "2");
    }

    /** The real stager's shape: the poll strategy of the queue, and the bean the route calls. */
    public class FakeStager implements PollingConsumerPollStrategy {
        @Override
        public boolean begin(Consumer consumer, Endpoint endpoint) {
            return !holding;
        }

        @Override
        public void commit(Consumer consumer, Endpoint endpoint, int polledMessages) {
            if (polledMessages > 0) {
                polls.add("poll " + polledMessages);
            }
        }

        @Override
        public boolean rollback(Consumer consumer, Endpoint endpoint, int retryCounter, Exception cause) {
            return false;
        }

        /** How many stage calls find the ledger away first. */
        private final AtomicInteger ledgerOutagesLeft = new AtomicInteger();

        public void stage(Exchange ex) throws GuardClosedException {
            record("pixelStager.stage", ex);
            if (refusalsLeft.getAndDecrement() > 0) {
                throw new GuardClosedException("only 812 MiB free under /data (pipeline.guard.min-free-mb=1024)");
            }
            if (heldBack) {
                throw new HeldBack("phone has too much unconfirmed");
            }
            if (ledgerOutagesLeft.getAndDecrement() > 0) {
                throw new LedgerException("Connection is not available, request timed out after 15000ms.", null);
            }
            if (failuresLeft.getAndDecrement() > 0) {
                throw new IllegalStateException("bridge folder not writable");
            }
        }

        public void failed(Exchange ex) {
            record("pixelStager.failed", ex);
        }
    }

    @Override
    protected void bindFakes(Registry registry) {
        registry.bind("pixelStager", new FakeStager());
        registry.bind("pixelQueueFiles", new GenericFileDeleteProcessStrategy<File>());
    }

    private Path queue(String name) throws Exception {
        return write(home().resolve("work/pixel").resolve(name), "link to the original");
    }

    @Test
    void stagesEachQueuedOriginalAtMostOneBatchAPoll() throws Exception {
        Path a = queue("a.jpg");
        Path b = queue("b.jpg");
        Path c = queue("c.mp4");
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("stage-pixel").whenCompleted(3).create();
        context.start();

        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).containsExactlyInAnyOrder("pixelStager.stage a.jpg", "pixelStager.stage b.jpg",
                "pixelStager.stage c.mp4");
        // the poll ends, and the queue files go, just after the last exchange completes
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(polls).containsExactly("poll 2", "poll 1");
            assertThat(List.of(a, b, c)).allSatisfy(q -> assertThat(q).doesNotExist());
        });
    }

    @Test
    void nothingIsStagedWhileTheStagerHoldsBack() throws Exception {
        holding = true;
        Path a = queue("a.jpg");
        context.start();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("stage-pixel").whenCompleted(1).create();

        assertThat(done.matches(2, TimeUnit.SECONDS)).isFalse();
        assertThat(calls).isEmpty();
        assertThat(a).exists();

        holding = false;
        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).containsExactly("pixelStager.stage a.jpg");
    }

    @Test
    void aHeldBackFileStaysQueuedWithoutAFailureRecorded() throws Exception {
        heldBack = true;
        Path a = queue("a.jpg");
        NotifyBuilder twice = new NotifyBuilder(context).fromRoute("stage-pixel").whenFailed(2).create();
        context.start();

        assertThat(twice.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).allMatch("pixelStager.stage a.jpg"::equals);
        assertThat(a).exists();
    }

    @Test
    void aGuardRefusalKeepsTheFileQueuedWithoutRetriesOrARecordedFailure() throws Exception {
        refusalsLeft.set(2);
        Path a = queue("a.jpg");
        NotifyBuilder refused = new NotifyBuilder(context).fromRoute("stage-pixel").whenFailed(2).create();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("stage-pixel").whenCompleted(1).create();
        context.start();

        assertThat(refused.matches(10, TimeUnit.SECONDS)).as("the file is offered again by the next poll").isTrue();
        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).containsExactly("pixelStager.stage a.jpg", "pixelStager.stage a.jpg",
                "pixelStager.stage a.jpg");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(a).doesNotExist());
    }

    @Test
    void aFailureIsRetriedThreeTimesThenRecorded() throws Exception {
        failuresLeft.set(Integer.MAX_VALUE);
        Path a = queue("a.jpg");
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("stage-pixel").whenCompleted(1).create();
        context.start();

        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).containsExactly("pixelStager.stage a.jpg", "pixelStager.stage a.jpg",
                "pixelStager.stage a.jpg", "pixelStager.stage a.jpg", "pixelStager.failed a.jpg");
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(a).as("handled: the next start queues the original again").doesNotExist());
    }

    @Test
    void aPassingFailureIsRetried() throws Exception {
        failuresLeft.set(1);
        queue("a.jpg");
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("stage-pixel").whenCompleted(1).create();
        context.start();

        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).containsExactly("pixelStager.stage a.jpg", "pixelStager.stage a.jpg");
    }

    @Test
    void aLedgerOutageLongerThanItsRetriesKeepsTheFileQueuedWithoutARecordedFailure() throws Exception {
        FakeStager stager = (FakeStager) context.getRegistry().lookupByName("pixelStager");
        stager.ledgerOutagesLeft.set(6); // the first try and ledger-retry's five
        Path a = queue("a.jpg");
        NotifyBuilder outlasted = new NotifyBuilder(context).fromRoute("stage-pixel").whenFailed(1).create();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("stage-pixel").whenCompleted(1).create();
        context.start();

        assertThat(outlasted.matches(20, TimeUnit.SECONDS)).as("the file is offered again by the next poll").isTrue();
        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).as("never recorded as the file's failure (only a restart would queue it again)")
                .containsOnly("pixelStager.stage a.jpg").hasSize(7);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(a).doesNotExist());
    }
}
