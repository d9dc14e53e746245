package io.mediapipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.proc.ToolRun;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/**
 * Which ingest failures count against a file: a tool that cannot even start (taken off the PATH) is the machine's
 * fault, and so is a disk full before the guard closed, so the file waits uncounted however often it is tried,
 * while a tool failing on the file counts.
 */
class RepeatedFailuresTest {

    /** The failures the ledger was asked to record; each one counts as the file's first. */
    private final List<String> recorded = new ArrayList<>();
    private final RepeatedFailures failures = new RepeatedFailures(new Ledger(new org.postgresql.ds.PGSimpleDataSource()) {
        @Override
        public int recordFailure(long sourceFileId, String reason) {
            recorded.add(reason);
            return 1;
        }
    }, null, 1, null);

    private Exchange failedWith(Exception e) {
        Exchange ex = new DefaultExchange(new DefaultCamelContext());
        ex.setProperty(Ingest.SOURCE_FILE_ID, 7L);
        ex.getIn().setHeader(Exchange.FILE_PATH, "/library/clip.mp4");
        ex.setException(e);
        return ex;
    }

    @Test
    void aToolMissingFromThePathIsNeverCountedAgainstTheFile() {
        IOException missing;
        try {
            ToolRun.run(List.of("ffprobe-not-installed-here"), Duration.ofSeconds(5));
            throw new AssertionError("a tool that does not exist started");
        } catch (IOException e) {
            missing = e;
        }
        assertThat(failures.givesUp(failedWith(missing))).as("max-attempts is 1: a counted failure would give up").isFalse();
        assertThat(recorded).isEmpty();
    }

    @Test
    void aDiskFullBeforeTheGuardNoticedIsNeverCountedAgainstTheFile() {
        IOException full = new java.nio.file.FileSystemException("/data/originals/.x.tmp: No space left on device");
        assertThat(failures.givesUp(failedWith(new IOException("copying clip.mp4", full)))).isFalse();
        assertThat(recorded).isEmpty();
    }

    @Test
    void aToolFailingOnTheFileIsCounted() {
        assertThat(failures.givesUp(failedWith(new IOException("ffprobe exited with 1")))).isTrue();
        assertThat(recorded).hasSize(1);
    }
}
