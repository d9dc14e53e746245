package io.mediapipeline.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An input is quarantined after failing the same way pipeline.ingest.max-attempts times: on a real ledger, a failure
 * with another reason starts the count again, so a file whose failures keep changing is never given up on.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SameWayFailuresTest {

    @TempDir
    Path tmp;

    @Test
    void aFailureWithAnotherReasonStartsTheCountAgain() {
        try (Database db = new PipelineHome(tmp).openLedger()) {
            Ledger ledger = new Ledger(db.dataSource());
            long run = ledger.openRun("once", "test");
            long input = ledger.admitSource(run, "folder", "folder:/library/a.jpg", "/library/a.jpg", 10).sourceFileId();

            String unreadable = "unreadable: permission denied";
            String probe = "ffprobe exited with 1";
            List<Integer> counts = List.of(unreadable, unreadable, probe, probe, unreadable).stream()
                    .map(reason -> ledger.recordFailure(input, reason)).toList();

            assertThat(counts).containsExactly(1, 2, 1, 2, 1);
            assertThat(ledger.rows("select failures, last_error from source_files where id = ?", input))
                    .singleElement().satisfies(r -> {
                        assertThat(r.get("failures")).isEqualTo(1);
                        assertThat(r.get("last_error")).isEqualTo(unreadable);
                    });
        }
    }
}
