package io.mediapipeline.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.media.BadMediaException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Exchange;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

/** source-inbox: takes finished files from inbox/<source>/, names the source, and removes them once ingested. */
class SourceInboxRouteTest extends RouteTestSupport {

    private Path inbox() {
        return home().resolve("inbox");
    }

    @Override
    protected List<String> routeFiles() {
        return List.of("00-error-handling.camel.yaml", "15-source-inbox.camel.yaml");
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("pipeline.source.inbox.poll-seconds", "1");
    }

    @Override
    protected void bindFakes(Registry registry) {
        super.bindFakes(registry);
        registry.bind("inboxFilter", acceptAll());
        bindIngestErrorBeans(registry);
    }

    private MockEndpoint ingest() throws Exception {
        advise("source-inbox", a -> a.weaveById("inbox-to-ingest").replace().to("mock:ingest"));
        context.start();
        return getMockEndpoint("mock:ingest");
    }

    @Test
    void handsFinishedFilesOnWithTheirSourceAndRemovesThem() throws Exception {
        MockEndpoint ingest = ingest();
        ingest.expectedMessageCount(1);
        ingest.expectedPropertyReceived("source", "icloud");
        ingest.expectedPropertyReceived("mayLink", true);
        NotifyBuilder twoDone = new NotifyBuilder(context).fromRoute("source-inbox").whenDone(2).create();
        Path partial = write(inbox().resolve("icloud/anna/IMG_1.HEIC.part"), "half");
        Path loose = write(inbox().resolve("loose.jpg"), "no source folder");
        Path photo = write(inbox().resolve("icloud/anna/IMG_2.HEIC"), "photo");

        ingest.assertIsSatisfied(10_000);
        // a later poll takes the next file and still not the partial download or the file without a source
        write(inbox().resolve("phone/b.jpg"), "b");
        assertThat(twoDone.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ingest.getReceivedCounter()).isEqualTo(2);
        assertThat(photo).doesNotExist();
        assertThat(partial).exists();
        assertThat(loose).exists();
    }

    @Test
    void badInputIsQuarantinedAndLeavesTheInbox() throws Exception {
        MockEndpoint ingest = ingest();
        ingest.whenAnyExchangeReceived(ex -> {
            throw new BadMediaException("empty file");
        });
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("source-inbox").whenCompleted(1).create();
        Path bad = write(inbox().resolve("phone/empty.jpg"), "not media");

        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).containsExactly("quarantine.badInput empty.jpg");
        assertThat(bad).doesNotExist();
    }

    @Test
    void aFailedFileStaysInTheInbox() throws Exception {
        MockEndpoint ingest = ingest();
        ingest.whenAnyExchangeReceived(ex -> {
            throw new IllegalStateException("exiftool died");
        });
        NotifyBuilder failed = new NotifyBuilder(context).fromRoute("source-inbox").whenFailed(1).create();
        Path photo = write(inbox().resolve("phone/a.jpg"), "photo");

        assertThat(failed.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).startsWith("ingestFailures.givesUp a.jpg");
        assertThat(photo).exists();
    }

    @Test
    void aFileStaysInTheInboxWhileTheGuardIsClosedAndLeavesOnceItOpens() throws Exception {
        givesUp = true; // were the refusal counted, the file would be quarantined at once
        guard().close("the NAS marker /mnt/nas/.m is missing (is the NAS mounted?)");
        MockEndpoint ingest = ingest();
        NotifyBuilder failedTwice = new NotifyBuilder(context).fromRoute("source-inbox").whenFailed(2).create();
        Path photo = write(inbox().resolve("phone/a.jpg"), "photo");

        assertThat(failedTwice.matches(10, TimeUnit.SECONDS)).as("offered again on the next poll").isTrue();
        assertThat(photo).as("ingested (here: handed on) but not deleted while closed").exists();
        assertThat(calls).as("neither counted nor quarantined").isEmpty();

        guard().open();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(photo).doesNotExist());
        assertThat(ingest.getReceivedCounter()).isGreaterThanOrEqualTo(3);
        assertThat(calls).isEmpty();
    }
}
