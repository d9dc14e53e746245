package io.mediapipeline.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.flow.GuardClosedException;
import io.mediapipeline.ledger.LedgerException;
import io.mediapipeline.media.BadMediaException;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

/**
 * ingest and hand-on: admit, skip what an earlier run finished, hash, probe, claim, then store a duplicate, or store
 * the original, hand it to each enabled stage that follows ingest and pair a Live Photo; with ledger-retry and
 * ingest-errors.
 */
class IngestRouteTest extends RouteTestSupport {

    private volatile boolean alreadyDone;
    private volatile boolean duplicate;
    private volatile List<String> nextStages = List.of("organize", "compress", "pixel");
    /** The stages whose hand-off fails. */
    private volatile Set<String> failingStages = Set.of();
    private volatile Exception probeFails;
    private final AtomicInteger claimOutages = new AtomicInteger();
    /** The guard's reason when it refuses the placement in originals/ (it closed while the file was in flight). */
    private volatile String storeRefused;

    @Override
    protected List<String> routeFiles() {
        return List.of("00-error-handling.camel.yaml", "20-ingest.camel.yaml");
    }

    @Override
    protected void bindFakes(Registry registry) {
        super.bindFakes(registry);
        bindIngestErrorBeans(registry);
        registry.bind("ingest", new Object() {
            public void admit(Exchange ex) {
                record("ingest.admit", ex);
                ex.getIn().setHeader("alreadyDone", alreadyDone);
            }

            public void hash(Exchange ex) {
                record("ingest.hash", ex);
            }

            public void probe(Exchange ex) throws Exception {
                record("ingest.probe", ex);
                if (probeFails != null) {
                    throw probeFails;
                }
            }

            public void claim(Exchange ex) {
                record("ingest.claim", ex);
                if (claimOutages.getAndDecrement() > 0) {
                    throw new LedgerException("database away", null);
                }
                ex.getIn().setHeader("duplicate", duplicate);
            }

            public void storeOriginal(Exchange ex) throws IOException {
                record("ingest.storeOriginal", ex);
                if (storeRefused != null) {
                    throw new GuardClosedException(storeRefused);
                }
            }

            public void storeDuplicate(Exchange ex) {
                record("ingest.storeDuplicate", ex);
            }

            public void handOn(Exchange ex) throws IOException {
                String stage = ex.getIn().getBody(String.class);
                calls.add("ingest.handOn " + stage);
                if (failingStages.contains(stage)) {
                    throw new IOException("cannot link into work/" + stage);
                }
            }
        });
        registry.bind("livePhotos", new Object() {
            public void pair(Exchange ex) {
                record("livePhotos.pair", ex);
            }
        });
        registry.bind("handoff", new Object() {
            public List<String> stagesAfterIngest() {
                return nextStages;
            }
        });
    }

    private void ingest(String name) {
        template.sendBodyAndHeader("direct:ingest", "content of " + name, Exchange.FILE_NAME_ONLY, name);
    }

    @Test
    void aNewOriginalIsStoredHandedToEachEnabledStageAndPaired() throws Exception {
        context.start();
        ingest("a.jpg");

        assertThat(calls).containsExactly("ingest.admit a.jpg", "ingest.hash a.jpg", "ingest.probe a.jpg",
                "ingest.claim a.jpg", "ingest.storeOriginal a.jpg", "ingest.handOn organize",
                "ingest.handOn compress", "ingest.handOn pixel", "livePhotos.pair a.jpg");
    }

    @Test
    void onlyTheEnabledStagesGetTheOriginal() throws Exception {
        nextStages = List.of("pixel");
        context.start();
        ingest("a.jpg");

        assertThat(calls).filteredOn(c -> c.startsWith("ingest.handOn")).containsExactly("ingest.handOn pixel");
        assertThat(calls).endsWith("livePhotos.pair a.jpg");
    }

    @Test
    void aDuplicateIsStoredAsSuchAndGoesNoFurther() throws Exception {
        duplicate = true;
        context.start();
        ingest("a.jpg");

        assertThat(calls).containsExactly("ingest.admit a.jpg", "ingest.hash a.jpg", "ingest.probe a.jpg",
                "ingest.claim a.jpg", "ingest.storeDuplicate a.jpg");
    }

    @Test
    void aFileAnEarlierRunFinishedIsOnlyAdmitted() throws Exception {
        alreadyDone = true;
        context.start();
        ingest("a.jpg");

        assertThat(calls).containsExactly("ingest.admit a.jpg");
    }

    @Test
    void badInputIsQuarantined() throws Exception {
        probeFails = new BadMediaException("not media");
        context.start();
        ingest("bad.jpg");

        assertThat(calls).containsExactly("ingest.admit bad.jpg", "ingest.hash bad.jpg", "ingest.probe bad.jpg",
                "quarantine.badInput bad.jpg");
    }

    @Test
    void aLedgerOutageIsRetried() throws Exception {
        claimOutages.set(1);
        context.start();
        ingest("a.jpg");

        assertThat(calls).filteredOn(c -> c.startsWith("ingest.claim")).hasSize(2);
        assertThat(calls).contains("ingest.storeOriginal a.jpg").doesNotContain("quarantine.badInput a.jpg",
                "ingestFailures.givesUp a.jpg");
    }

    @Test
    void anotherFailureIsLeftForTheNextPollUntilItGivesUp() throws Exception {
        probeFails = new IOException("ffprobe failed");
        context.start();

        assertThatThrownBy(() -> ingest("a.jpg")).isInstanceOf(CamelExecutionException.class)
                .hasRootCauseInstanceOf(IOException.class);
        assertThat(calls).endsWith("ingest.probe a.jpg", "ingestFailures.givesUp a.jpg");

        calls.clear();
        givesUp = true;
        ingest("a.jpg");
        assertThat(calls).endsWith("ingest.probe a.jpg", "ingestFailures.givesUp a.jpg", "ingestFailures.quarantine a.jpg");
    }

    @Test
    void aFailedHandOffStopsTheSplitAndIsHandledOnceByIngest() throws Exception {
        failingStages = Set.of("compress");
        givesUp = true;
        context.start();
        Exchange input = template.send("direct:ingest", ex -> ex.getIn().setHeader(Exchange.FILE_NAME_ONLY, "a.jpg"));

        assertThat(quarantinedExchanges).as("handled on the input's exchange, not on a part of the split")
                .containsExactly(input.getExchangeId());
        // Camel may ask the give-up check more than once while it picks the clause (the real one counts a failure
        // once per exchange); what must happen once is the handling itself, by ingest, after the split stopped
        assertThat(calls).filteredOn(c -> !c.startsWith("ingestFailures.givesUp")).containsExactly(
                "ingest.admit a.jpg", "ingest.hash a.jpg", "ingest.probe a.jpg", "ingest.claim a.jpg",
                "ingest.storeOriginal a.jpg", "ingest.handOn organize", "ingest.handOn compress",
                "ingestFailures.quarantine a.jpg");
        assertThat(calls).contains("ingestFailures.givesUp a.jpg");
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
        assertThat(calls).contains("ingest.admit a.jpg", "ingest.storeOriginal a.jpg", "livePhotos.pair a.jpg");
    }

    @Test
    void aRefusalInFlightIsAPauseNotAFailureOfTheFile() throws Exception {
        givesUp = true;
        storeRefused = "only 812 MiB free under /data (pipeline.guard.min-free-mb=1024)";
        context.start();

        assertThatThrownBy(() -> ingest("a.jpg")).isInstanceOf(CamelExecutionException.class)
                .hasRootCauseInstanceOf(GuardClosedException.class);
        assertThat(calls).endsWith("ingest.storeOriginal a.jpg")
                .noneMatch(c -> c.startsWith("ingestFailures") || c.startsWith("quarantine"));
    }
}
