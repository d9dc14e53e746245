package io.mediapipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A backlog is logged at once, then every interval, and once more when it is done. */
class ProgressLogTest {

    private final Instant t0 = Instant.parse("2026-12-02T10:00:00Z");

    private Snapshot snapshot(Instant at, long out, long queued, Optional<Progress> progress) {
        StageView v = new StageView("compress", List.of("compress"), "Started", out + queued, out, 0, queued,
                Optional.empty(), Optional.empty(), progress);
        return new Snapshot(at, List.of(v), List.of(), new Totals(0, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void linesAtTheStartEveryIntervalAndAtTheEnd() {
        ProgressLog log = new ProgressLog(Duration.ofMinutes(5));
        Progress p = new Progress(1234, 12.5, Optional.of(Duration.ofMinutes(99)));

        assertThat(log.lines(snapshot(t0, 0, 1234, Optional.of(p))))
                .containsExactly("compress: 1,234 files left, 12.5 files/min, about 1 h 39 min left");
        assertThat(log.lines(snapshot(t0.plus(Duration.ofMinutes(4)), 50, 1184, Optional.of(p)))).isEmpty();
        assertThat(log.lines(snapshot(t0.plus(Duration.ofMinutes(5)), 62, 1172, Optional.of(p)))).hasSize(1);
        assertThat(log.lines(snapshot(t0.plus(Duration.ofMinutes(99)), 1234, 0, Optional.empty())))
                .containsExactly("compress: backlog done, 1,234 files in 1 h 39 min");
        assertThat(log.lines(snapshot(t0.plus(Duration.ofMinutes(120)), 1234, 0, Optional.empty()))).isEmpty();
    }
}
