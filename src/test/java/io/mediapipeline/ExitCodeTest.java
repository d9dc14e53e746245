package io.mediapipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.report.RunReport;
import io.mediapipeline.report.Unfinished;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** `once`'s exit code from its run summary: not done wins over quarantined, which wins over all done. */
class ExitCodeTest {

    private static RunReport.Summary summary(long quarantined, List<Unfinished.Item> notDone) {
        return new RunReport.Summary(Path.of("reports/run.json"),
                Map.of("imported", 2L, "duplicate", 0L, "quarantined", quarantined, "pending", 0L), Map.of(), notDone);
    }

    @Test
    void notDoneWinsOverQuarantinedWhichWinsOverAllDone() {
        List<Unfinished.Item> partial = List.of(new Unfinished.Item("iCloud default", "download ended partial: 1 failed"));
        assertThat(Application.exitCodeOf(summary(0, List.of()))).isEqualTo(Application.EXIT_OK);
        assertThat(Application.exitCodeOf(summary(1, List.of()))).isEqualTo(Application.EXIT_QUARANTINED);
        assertThat(Application.exitCodeOf(summary(0, partial))).isEqualTo(Application.EXIT_NOT_DONE);
        assertThat(Application.exitCodeOf(summary(1, partial))).isEqualTo(Application.EXIT_NOT_DONE);
        assertThat(List.of(Application.EXIT_OK, Application.EXIT_FAILED, Application.EXIT_USAGE, Application.EXIT_QUARANTINED,
                Application.EXIT_NOT_DONE)).as("distinct codes").doesNotHaveDuplicates();
    }
}
