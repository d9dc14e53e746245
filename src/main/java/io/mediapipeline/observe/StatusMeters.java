package io.mediapipeline.observe;

import io.mediapipeline.status.Attention;
import io.mediapipeline.status.PipelineStatus;
import io.mediapipeline.status.Snapshot;
import io.mediapipeline.status.StageView;
import io.mediapipeline.status.Totals;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The business meters, read from the pipeline's status (the same numbers as the dashboard): files in, out and
 * failed per stage, queue depth, last run and last success, the library's totals, what needs a person, open scrub
 * findings. A scrape reads only what {@link #refresh()} last fetched (called on a timer), so it never waits for the
 * ledger and stays fast while the database is slow or down; a failed refresh keeps the numbers it had.
 * <p>
 * Every meter is a gauge, {@code pipeline_files{stage,state="in"|"out"|"failed"}} included: the status counts the
 * ledger's rows as they are now, and those counts can fall (a retried file leaves "failed", cleanup and a removed
 * delivery take rows out of a stage's counts), which a Prometheus counter must never do (rate() would read a fall as
 * a restart and invent a burst). Use delta() or deriv() on them, not rate(). Until the first refresh succeeds every
 * gauge reads NaN (no number rather than a false 0 that jumps).
 */
final class StatusMeters {

    private static final Logger LOG = LoggerFactory.getLogger(StatusMeters.class);

    private final PipelineStatus status;
    private final DataSource dataSource;
    private volatile Snapshot snapshot;
    private volatile double scrubOpen = Double.NaN;

    /** @param dataSource where open scrub findings are counted; null leaves that meter out */
    StatusMeters(PipelineStatus status, DataSource dataSource) {
        this.status = status;
        this.dataSource = dataSource;
    }

    /** Fetches the numbers the meters show until the next refresh. */
    void refresh() {
        try {
            snapshot = status.now();
        } catch (RuntimeException e) {
            LOG.debug("status not refreshed for the metrics: {}", e.getMessage());
        }
        if (dataSource != null) {
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("select count(*) from scrub_findings where state = 'open'")) {
                r.next();
                scrubOpen = r.getLong(1);
            } catch (Exception e) {
                LOG.debug("open scrub findings not counted: {}", e.getMessage());
            }
        }
    }

    /** Registers the meters for these stages (route groups), in pipeline order. */
    void bindTo(MeterRegistry registry, List<String> stages) {
        for (String stage : stages) {
            stageFiles(registry, stage, "in", StageView::in);
            stageFiles(registry, stage, "out", StageView::out);
            stageFiles(registry, stage, "failed", StageView::failed);
            stageGauge(registry, "pipeline.queue.depth", stage, null, v -> v.queued());
            stageGauge(registry, "pipeline.stage.last.run", stage, "seconds", v -> epochSeconds(v.lastRun()));
            stageGauge(registry, "pipeline.stage.last.success", stage, "seconds", v -> epochSeconds(v.lastSuccess()));
        }
        totalsGauge(registry, "pipeline.library.files", null, null, Totals::files);
        totalsGauge(registry, "pipeline.library.bytes", "kind", "original", Totals::bytesOriginal);
        totalsGauge(registry, "pipeline.library.bytes", "kind", "compressed", Totals::bytesCompressed);
        totalsGauge(registry, "pipeline.library.bytes", "kind", "saved", Totals::bytesSaved);
        totalsGauge(registry, "pipeline.library.delivered", "target", "pixel", Totals::deliveredPixel);
        totalsGauge(registry, "pipeline.library.delivered", "target", "icloud", Totals::deliveredIcloud);
        totalsGauge(registry, "pipeline.library.pending", null, null, Totals::pending);
        totalsGauge(registry, "pipeline.library.failed", null, null, Totals::failed);
        totalsGauge(registry, "pipeline.library.quarantined", null, null, Totals::quarantined);
        for (Attention.Kind kind : Attention.Kind.values()) {
            Gauge.builder("pipeline.attention", this, m -> m.attention(kind)).tag("kind", kind.name().toLowerCase())
                    .description("things that need a person now, by kind").strongReference(true).register(registry);
        }
        if (dataSource != null) {
            Gauge.builder("pipeline.scrub.findings.open", this, m -> m.scrubOpen)
                    .description("scrub findings not yet restored or resolved").strongReference(true).register(registry);
        }
    }

    private void stageFiles(MeterRegistry registry, String stage, String state, ToDoubleFunction<StageView> value) {
        Gauge.builder("pipeline.files", this, m -> m.stage(stage, value)).tags("stage", stage, "state", state)
                .description("files that reached (in), finished (out) or failed a stage, as the ledger holds them now")
                .strongReference(true).register(registry);
    }

    private void stageGauge(MeterRegistry registry, String name, String stage, String unit,
                            ToDoubleFunction<StageView> value) {
        Gauge.builder(name, this, m -> m.stage(stage, value)).tag("stage", stage).baseUnit(unit)
                .strongReference(true).register(registry);
    }

    private void totalsGauge(MeterRegistry registry, String name, String tag, String tagValue,
                             ToDoubleFunction<Totals> value) {
        Gauge.Builder<StatusMeters> b = Gauge.builder(name, this, m -> {
            Snapshot s = m.snapshot;
            return s == null ? Double.NaN : value.applyAsDouble(s.totals());
        }).strongReference(true);
        if (tag != null) {
            b.tag(tag, tagValue);
        }
        b.register(registry);
    }

    private double stage(String stage, ToDoubleFunction<StageView> value) {
        Snapshot s = snapshot;
        if (s == null) {
            return Double.NaN;
        }
        for (StageView v : s.stages()) {
            if (v.stage().equals(stage)) {
                return value.applyAsDouble(v);
            }
        }
        return Double.NaN;
    }

    private double attention(Attention.Kind kind) {
        Snapshot s = snapshot;
        return s == null ? Double.NaN : s.needsYou().stream().filter(a -> a.kind() == kind).count();
    }

    private static double epochSeconds(Optional<Instant> at) {
        return at.map(i -> (double) i.getEpochSecond()).orElse(Double.NaN);
    }
}
