package io.mediapipeline.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.flow.GuardClosedException;
import io.mediapipeline.ledger.LedgerException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

/** organize: each queue file in work/organize/ is placed by the organizer; failures are retried, then recorded. */
class OrganizeRouteTest extends RouteTestSupport {

    /** How many organize calls fail before one succeeds. */
    private final AtomicInteger failuresLeft = new AtomicInteger();
    /** How many organize calls find the ledger away first. */
    private final AtomicInteger ledgerOutagesLeft = new AtomicInteger();
    /** How many organize calls the guard refuses first. */
    private final AtomicInteger refusalsLeft = new AtomicInteger();

    @Override
    protected List<String> routeFiles() {
        return List.of("00-error-handling.camel.yaml", "50-organize.camel.yaml");
    }

    @Override
    protected void bindFakes(Registry registry) {
        super.bindFakes(registry);
        registry.bind("organizer", new Object() {
            public void organize(Exchange ex) throws GuardClosedException {
                record("organizer.organize", ex);
                if (ledgerOutagesLeft.getAndDecrement() > 0) {
                    throw new LedgerException("Connection is not available, request timed out after 15000ms.", null);
                }
                if (refusalsLeft.getAndDecrement() > 0) {
                    throw new GuardClosedException("the NAS marker /mnt/nas/.m is missing (is the NAS mounted?)");
                }
                if (failuresLeft.getAndDecrement() > 0) {
                    throw new IllegalStateException("disk full");
                }
            }

            public void failed(Exchange ex) {
                record("organizer.failed", ex);
            }
        });
    }

    private Path queue(String name) throws Exception {
        return write(home().resolve("work/organize").resolve(name), "link to the original");
    }

    @Test
    void placesEachQueuedOriginalAndRemovesTheQueueFile() throws Exception {
        context.start();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("organize").whenCompleted(1).create();
        Path queued = queue("ab12.jpg");

        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).containsExactly("organizer.organize ab12.jpg");
        assertThat(queued).doesNotExist();
    }

    @Test
    void aPassingFailureIsRetried() throws Exception {
        failuresLeft.set(1);
        context.start();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("organize").whenCompleted(1).create();
        queue("ab12.jpg");

        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).containsExactly("organizer.organize ab12.jpg", "organizer.organize ab12.jpg");
    }

    @Test
    void aLastingFailureIsRecordedAfterThreeRetries() throws Exception {
        failuresLeft.set(Integer.MAX_VALUE);
        context.start();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("organize").whenCompleted(1).create();
        queue("ab12.jpg");

        assertThat(done.matches(20, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).containsExactly("organizer.organize ab12.jpg", "organizer.organize ab12.jpg",
                "organizer.organize ab12.jpg", "organizer.organize ab12.jpg", "organizer.failed ab12.jpg");
    }

    @Test
    void aGuardRefusalKeepsTheQueueFileWithoutRetriesOrARecordedFailure() throws Exception {
        refusalsLeft.set(2);
        context.start();
        NotifyBuilder refused = new NotifyBuilder(context).fromRoute("organize").whenFailed(2).create();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("organize").whenCompleted(1).create();
        Path queued = queue("ab12.jpg");

        assertThat(refused.matches(10, TimeUnit.SECONDS)).as("the file is offered again by the next poll").isTrue();
        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).containsExactly("organizer.organize ab12.jpg", "organizer.organize ab12.jpg",
                "organizer.organize ab12.jpg");
        assertThat(queued).doesNotExist();
    }

    @Test
    void aLedgerOutageLongerThanItsRetriesKeepsTheQueueFileWithoutARecordedFailure() throws Exception {
        ledgerOutagesLeft.set(6); // the first try and ledger-retry's five
        context.start();
        NotifyBuilder outlasted = new NotifyBuilder(context).fromRoute("organize").whenFailed(1).create();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("organize").whenCompleted(1).create();
        Path queued = queue("ab12.jpg");

        assertThat(outlasted.matches(20, TimeUnit.SECONDS)).as("the file is offered again by the next poll").isTrue();
        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).as("never recorded as the file's failure (it would stay in error)")
                .containsOnly("organizer.organize ab12.jpg").hasSize(7);
        assertThat(queued).doesNotExist();
    }
}
