package io.mediapipeline.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.flow.GuardClosedException;
import io.mediapipeline.ledger.LedgerException;
import io.mediapipeline.media.BadMediaException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

/**
 * ingest: each file joins a batch (bean ingestBatch, which hashes, probes, places, records and hands on; its own
 * tests are IngestBatchTest and BatchWindowTest) and its exchange ends with what became of that file; with
 * ledger-retry and ingest-errors handling one file at a time.
 */
class IngestRouteTest extends RouteTestSupport {

    private volatile boolean alreadyDone;
    private volatile Exception takeFails;
    private final AtomicInteger ledgerOutages = new AtomicInteger();

    @Override
    protected List<String> routeFiles() {
        return List.of("00-error-handling.camel.yaml", "20-ingest.camel.yaml");
    }

    @Override
    protected void bindFakes(Registry registry) {
        super.bindFakes(registry);
        bindIngestErrorBeans(registry);
        registry.bind("ingestBatch", new Object() {
            public void take(Exchange ex) throws Exception {
                record("ingestBatch.take", ex);
                if (ledgerOutages.getAndDecrement() > 0) {
                    throw new LedgerException("database away", null);
                }
                if (takeFails != null) {
                    throw takeFails;
                }
                ex.getIn().setHeader("alreadyDone", alreadyDone);
            }
        });
    }

    private void ingest(String name) {
        template.sendBodyAndHeader("direct:ingest", "content of " + name, Exchange.FILE_NAME_ONLY, name);
    }

    @Test
    void aFileIsTakenThroughItsBatchAndGoesNoFurther() throws Exception {
        context.start();
        ingest("a.jpg");

        assertThat(calls).containsExactly("ingestBatch.take a.jpg");
    }

    @Test
    void aFileAnEarlierRunFinishedIsOnlyLookedUp() throws Exception {
        alreadyDone = true;
        context.start();
        ingest("a.jpg");

        assertThat(calls).containsExactly("ingestBatch.take a.jpg");
    }

    @Test
    void badInputIsQuarantined() throws Exception {
        takeFails = new BadMediaException("not media");
        context.start();
        ingest("bad.jpg");

        assertThat(calls).containsExactly("ingestBatch.take bad.jpg", "quarantine.badInput bad.jpg");
    }

    @Test
    void aLedgerOutageIsRetried() throws Exception {
        ledgerOutages.set(1);
        context.start();
        ingest("a.jpg");

        assertThat(calls).containsExactly("ingestBatch.take a.jpg", "ingestBatch.take a.jpg");
    }

    @Test
    void anotherFailureIsLeftForTheNextPollUntilItGivesUp() throws Exception {
        takeFails = new IOException("ffprobe failed");
        context.start();

        assertThatThrownBy(() -> ingest("a.jpg")).isInstanceOf(CamelExecutionException.class)
                .hasRootCauseInstanceOf(IOException.class);
        assertThat(calls).endsWith("ingestBatch.take a.jpg", "ingestFailures.givesUp a.jpg");

        calls.clear();
        givesUp = true;
        ingest("a.jpg");
        assertThat(calls).endsWith("ingestBatch.take a.jpg", "ingestFailures.givesUp a.jpg",
                "ingestFailures.quarantine a.jpg");
    }

    @Test
    void aClosedGuardTakesNothingAndCountsNothingUntilItOpens() throws Exception {
        givesUp = true; // were the refusal counted, the file would be quarantined at once
        guard().close("the NAS marker /mnt/nas/.m is missing (is the NAS mounted?)");
        context.start();

        assertThatThrownBy(() -> ingest("a.jpg")).isInstanceOf(CamelExecutionException.class)
                .hasRootCauseInstanceOf(GuardClosedException.class);
        assertThat(calls).as("not admitted, not counted, not quarantined").isEmpty();

        guard().open();
        ingest("a.jpg");
        assertThat(calls).containsExactly("ingestBatch.take a.jpg");
    }

    @Test
    void aRefusalInFlightIsAPauseNotAFailureOfTheFile() throws Exception {
        givesUp = true;
        takeFails = new GuardClosedException("only 812 MiB free under /data (pipeline.guard.min-free-mb=1024)");
        context.start();

        assertThatThrownBy(() -> ingest("a.jpg")).isInstanceOf(CamelExecutionException.class)
                .hasRootCauseInstanceOf(GuardClosedException.class);
        assertThat(calls).endsWith("ingestBatch.take a.jpg")
                .noneMatch(c -> c.startsWith("ingestFailures") || c.startsWith("quarantine"));
    }
}
