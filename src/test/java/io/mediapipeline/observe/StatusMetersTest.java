package io.mediapipeline.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ops.Metrics;
import io.mediapipeline.status.Attention;
import io.mediapipeline.status.PipelineStatus;
import io.mediapipeline.status.Snapshot;
import io.mediapipeline.status.StageView;
import io.mediapipeline.status.Totals;
import io.mediapipeline.support.PrometheusText;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Grafana sees what the dashboard sees: the status's numbers per stage, moving as the status moves. */
class StatusMetersTest {

    private static final Instant LAST = Instant.parse("2026-12-01T10:00:00Z");

    private final AtomicReference<Snapshot> current = new AtomicReference<>();
    private final AtomicInteger asked = new AtomicInteger();
    private final PipelineStatus status = () -> {
        asked.incrementAndGet();
        Snapshot s = current.get();
        if (s == null) {
            throw new IllegalStateException("ledger down");
        }
        return s;
    };

    private static Snapshot snapshot(long ingestOut, long queued, List<Attention> needsYou) {
        StageView ingest = new StageView("ingest", List.of("ingest"), "Started", ingestOut + 1, ingestOut, 1, queued,
                Optional.of(LAST), Optional.of(LAST), Optional.empty());
        StageView organize = new StageView("organize", List.of("organize"), "Started", 0, 0, 0, 0, Optional.empty(),
                Optional.empty(), Optional.empty());
        return new Snapshot(LAST, List.of(ingest, organize), needsYou,
                new Totals(ingestOut, 5000, 3000, 2000, 1, 0, 2, 1, 1));
    }

    @Test
    void countersMoveWithTheStatusAndAScrapeNeverAsksTheStatus() {
        Metrics metrics = new Metrics();
        StatusMeters meters = new StatusMeters(status, null);
        meters.bindTo(metrics.registry(), List.of("ingest", "organize"));

        current.set(snapshot(3, 4, List.of()));
        meters.refresh();
        PrometheusText first = PrometheusText.parse(metrics.registry().scrape());
        assertThat(first.value("pipeline_files", "stage", "ingest", "state", "out")).contains(3.0);
        assertThat(first.value("pipeline_files", "stage", "ingest", "state", "in")).contains(4.0);
        assertThat(first.value("pipeline_files", "stage", "ingest", "state", "failed")).contains(1.0);
        assertThat(first.value("pipeline_queue_depth", "stage", "ingest")).contains(4.0);
        assertThat(first.value("pipeline_stage_last_success_seconds", "stage", "ingest"))
                .contains((double) LAST.getEpochSecond());
        assertThat(first.value("pipeline_stage_last_success_seconds", "stage", "organize"))
                .hasValueSatisfying(v -> assertThat(v).as("never: no time").isNaN());
        assertThat(first.value("pipeline_library_bytes", "kind", "saved")).contains(2000.0);
        assertThat(first.value("pipeline_attention", "kind", "phone_offline")).contains(0.0);

        current.set(snapshot(8, 0, List.of(new Attention(Attention.Kind.PHONE_OFFLINE, "phone", "offline", LAST))));
        meters.refresh();
        int asks = asked.get();
        PrometheusText second = PrometheusText.parse(metrics.registry().scrape());
        assertThat(asked.get()).as("a scrape reads the last refresh, never the ledger").isEqualTo(asks);
        assertThat(second.value("pipeline_files", "stage", "ingest", "state", "out").orElseThrow()
                - first.value("pipeline_files", "stage", "ingest", "state", "out").orElseThrow()).isEqualTo(5.0);
        assertThat(second.value("pipeline_queue_depth", "stage", "ingest")).contains(0.0);
        assertThat(second.value("pipeline_attention", "kind", "phone_offline")).contains(1.0);
    }

    @Test
    void aFailedRefreshKeepsTheLastNumbers() {
        Metrics metrics = new Metrics();
        StatusMeters meters = new StatusMeters(status, null);
        meters.bindTo(metrics.registry(), List.of("ingest"));
        PrometheusText before = PrometheusText.parse(metrics.registry().scrape());
        assertThat(before.value("pipeline_files", "stage", "ingest", "state", "out"))
                .as("no number before the first refresh, not a 0 that then jumps").hasValueSatisfying(v -> assertThat(v).isNaN());
        assertThat(before.value("pipeline_queue_depth", "stage", "ingest")).hasValueSatisfying(v -> assertThat(v).isNaN());

        current.set(snapshot(3, 2, List.of()));
        meters.refresh();
        current.set(null);
        meters.refresh();
        PrometheusText after = PrometheusText.parse(metrics.registry().scrape());
        assertThat(after.value("pipeline_files", "stage", "ingest", "state", "out")).contains(3.0);
        assertThat(after.value("pipeline_queue_depth", "stage", "ingest")).contains(2.0);
    }

    @Test
    void failedFilesFallWhenARetryClearsThemSoTheyAreAGaugeNotACounter() {
        Metrics metrics = new Metrics();
        StatusMeters meters = new StatusMeters(status, null);
        meters.bindTo(metrics.registry(), List.of("compress"));
        current.set(withCompressFailed(4));
        meters.refresh();
        current.set(withCompressFailed(1)); // three retried and compressed since
        meters.refresh();
        String text = metrics.registry().scrape();
        assertThat(PrometheusText.parse(text).value("pipeline_files", "stage", "compress", "state", "failed")).contains(1.0);
        assertThat(text).as("a number that can fall is published as a gauge").contains("# TYPE pipeline_files gauge")
                .doesNotContain("pipeline_files_total");
    }

    private static Snapshot withCompressFailed(long failed) {
        StageView compress = new StageView("compress", List.of("compress"), "Started", 10, 10 - failed, failed, 0,
                Optional.of(LAST), Optional.of(LAST), Optional.empty());
        return new Snapshot(LAST, List.of(compress), List.of(), new Totals(10, 0, 0, 0, 0, 0, 0, failed, 0));
    }
}
