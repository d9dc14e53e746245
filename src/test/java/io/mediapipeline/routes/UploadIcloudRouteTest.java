package io.mediapipeline.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * upload-icloud and prove-icloud: a picked batch is split over the upload workers (never more at once than there
 * are workers), one failing file does not stop the others, the batch is closed after all of them, and the proof
 * runs on its own timer.
 */
class UploadIcloudRouteTest extends RouteTestSupport {

    /** What the route splits: ${body.groups}. */
    public static final class Batch {
        private final List<String> groups;

        Batch(List<String> groups) {
            this.groups = groups;
        }

        public List<String> getGroups() {
            return groups;
        }
    }

    private final List<String> uploaded = new CopyOnWriteArrayList<>();
    private final List<String> closed = new CopyOnWriteArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger mostAtOnce = new AtomicInteger();
    private final AtomicInteger picks = new AtomicInteger();
    private final AtomicInteger proofs = new AtomicInteger();
    private final ExecutorService workers = Executors.newFixedThreadPool(2);

    @AfterEach
    void stopWorkers() {
        workers.shutdownNow();
    }

    @Override
    protected List<String> routeFiles() {
        return List.of("70-upload-icloud.camel.yaml");
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("pipeline.target.icloud.enabled", "true", "pipeline.target.icloud.poll-seconds", "1",
                "pipeline.target.icloud.proof.poll-initial-ms", "100");
    }

    @Override
    protected void bindFakes(Registry registry) {
        registry.bind("icloudUploadWorkers", workers);
        registry.bind("icloudUploader", new Object() {
            public Batch pickBatch() {
                return picks.incrementAndGet() == 1 ? new Batch(List.of("a", "b", "bad", "c", "d")) : null;
            }

            public void upload(String group) throws InterruptedException {
                int now = running.incrementAndGet();
                mostAtOnce.accumulateAndGet(now, Math::max);
                try {
                    Thread.sleep(100);
                    if (group.equals("bad")) {
                        throw new IllegalStateException("ledger went away");
                    }
                    uploaded.add(group);
                } finally {
                    running.decrementAndGet();
                }
            }

            public void finishBatch(Batch batch) {
                closed.add(uploaded.size() + " of " + batch.getGroups().size());
            }

            public int prove() {
                return proofs.incrementAndGet();
            }
        });
    }

    @Test
    void aBatchGoesUpOnTheWorkersAndIsClosedAfterAllItsFiles() throws Exception {
        context.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (closed.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(uploaded).containsExactlyInAnyOrder("a", "b", "c", "d");
        assertThat(closed).containsExactly("4 of 5");
        assertThat(mostAtOnce.get()).isBetween(1, 2);
    }

    @Test
    void theProofRunsOnItsOwnTimer() throws Exception {
        context.start();
        NotifyBuilder three = new NotifyBuilder(context).fromRoute("prove-icloud").whenCompleted(3).create();
        assertThat(three.matches(20, TimeUnit.SECONDS)).isTrue();
        assertThat(proofs.get()).isGreaterThanOrEqualTo(3);
    }
}
