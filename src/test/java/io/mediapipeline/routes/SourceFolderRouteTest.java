package io.mediapipeline.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ledger.LedgerException;
import io.mediapipeline.media.BadMediaException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

/** source-folder: copies in from a folder it never changes, once per file, with the ingest-errors handling. */
class SourceFolderRouteTest extends RouteTestSupport {

    private Path folder() {
        return home().resolve("library");
    }

    @Override
    protected List<String> routeFiles() {
        return List.of("00-error-handling.camel.yaml", "10-source-folder.camel.yaml");
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("pipeline.source.folder.enabled", "true", "pipeline.source.folder.path", folder().toString(),
                "pipeline.source.folder.poll-seconds", "1");
    }

    @Override
    protected void bindFakes(Registry registry) {
        super.bindFakes(registry);
        registry.bind("folderImports", memoryRepository());
        registry.bind("folderFilter", acceptAll());
        bindIngestErrorBeans(registry);
    }

    private MockEndpoint ingest() throws Exception {
        advise("source-folder", a -> a.weaveById("folder-to-ingest").replace().to("mock:ingest"));
        context.start();
        return getMockEndpoint("mock:ingest");
    }

    @Test
    void handsEachFileToIngestOnceAndLeavesTheFolderAlone() throws Exception {
        MockEndpoint ingest = ingest();
        ingest.expectedMessageCount(1);
        ingest.expectedPropertyReceived("source", "folder");
        ingest.expectedPropertyReceived("mayLink", false);
        NotifyBuilder twoDone = new NotifyBuilder(context).fromRoute("source-folder").whenDone(2).create();
        Path photo = write(folder().resolve("2019/a.jpg"), "photo");

        ingest.assertIsSatisfied(10_000);
        assertThat(ingest.getExchanges().get(0).getIn().getHeader(Exchange.FILE_PATH, String.class)).isEqualTo(photo.toString());
        // the next polls find it remembered: still one hand-on, and the file is where it was
        write(folder().resolve("b.jpg"), "another");
        assertThat(twoDone.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ingest.getReceivedCounter()).isEqualTo(2);
        assertThat(photo).exists().hasContent("photo");
    }

    @Test
    void badInputIsQuarantined() throws Exception {
        MockEndpoint ingest = ingest();
        ingest.whenAnyExchangeReceived(ex -> {
            throw new BadMediaException("not media");
        });
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("source-folder").whenCompleted(1).create();
        write(folder().resolve("bad.jpg"), "x");

        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).containsExactly("quarantine.badInput bad.jpg");
    }

    @Test
    void ledgerOutageIsRetried() throws Exception {
        MockEndpoint ingest = ingest();
        AtomicInteger attempts = new AtomicInteger();
        ingest.whenAnyExchangeReceived(ex -> {
            if (attempts.incrementAndGet() == 1) {
                throw new LedgerException("database away", null);
            }
        });
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("source-folder").whenCompleted(1).create();
        write(folder().resolve("a.jpg"), "photo");

        assertThat(done.matches(15, TimeUnit.SECONDS)).isTrue();
        assertThat(attempts).hasValue(2);
        assertThat(calls).isEmpty();
    }

    @Test
    void otherFailureIsLeftForTheNextPollUntilItGivesUp() throws Exception {
        MockEndpoint ingest = ingest();
        ingest.whenAnyExchangeReceived(ex -> {
            throw new IOException("tool failed");
        });
        NotifyBuilder failed = new NotifyBuilder(context).fromRoute("source-folder").whenFailed(1).create();
        write(folder().resolve("a.jpg"), "photo");

        assertThat(failed.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).containsExactly("ingestFailures.givesUp a.jpg");

        givesUp = true;
        NotifyBuilder quarantined = new NotifyBuilder(context).fromRoute("source-folder").whenCompleted(1).create();
        assertThat(quarantined.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).endsWith("ingestFailures.givesUp a.jpg", "ingestFailures.quarantine a.jpg");
    }
}
