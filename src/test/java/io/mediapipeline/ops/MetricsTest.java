package io.mediapipeline.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.support.PrometheusText;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** The stages' numbers reach Prometheus with tags for their variable parts, and stay readable over JMX. */
class MetricsTest {

    @Test
    void accountsAndKindsBecomeLabelsInTheScrape() {
        Metrics metrics = new Metrics();
        AtomicInteger days = new AtomicInteger(12);
        metrics.gauge("icloud.anna.session-days-left", days::get);
        metrics.gauge("icloud.ben.session-days-left", () -> 3);
        metrics.increment("icloud.anna.outcome.success");
        metrics.increment("icloud.anna.outcome.success");
        metrics.increment("pixel.failures.phone-offline");
        metrics.add("compress.bytes-saved", 1000);
        metrics.increment("compress.compressed");
        metrics.set("pixel.phone.connected", 1);

        PrometheusText scrape = PrometheusText.parse(metrics.registry().scrape());
        assertThat(scrape.value("pipeline_icloud_session_days_left", "account", "anna")).contains(12.0);
        assertThat(scrape.value("pipeline_icloud_session_days_left", "account", "ben")).contains(3.0);
        assertThat(scrape.value("pipeline_icloud_outcomes_total", "account", "anna", "outcome", "success")).contains(2.0);
        assertThat(scrape.value("pipeline_pixel_failures_total", "kind", "phone-offline")).contains(1.0);
        assertThat(scrape.value("pipeline_compress_bytes_saved_total")).contains(1000.0);
        assertThat(scrape.value("pipeline_compress_decisions_total", "decision", "compressed")).contains(1.0);
        assertThat(scrape.value("pipeline_pixel_phone_connected")).contains(1.0);

        days.set(11);
        metrics.set("pixel.phone.connected", 0);
        metrics.increment("pixel.failures.phone-offline");
        scrape = PrometheusText.parse(metrics.registry().scrape());
        assertThat(scrape.value("pipeline_icloud_session_days_left", "account", "anna")).contains(11.0);
        assertThat(scrape.value("pipeline_pixel_phone_connected")).contains(0.0);
        assertThat(scrape.value("pipeline_pixel_failures_total", "kind", "phone-offline")).contains(2.0);
    }

    @Test
    void snapshotAndJmxShowTheSameNumbersUnderTheDottedNames() throws Exception {
        Metrics metrics = new Metrics().register();
        metrics.increment("guard.pauses");
        metrics.set("pixel.outstanding.files", 7);
        metrics.gauge("guard.closed", () -> 1);
        metrics.gauge("icloud.anna.circuit-open", () -> {
            throw new IllegalStateException("not readable now");
        });

        assertThat(metrics.snapshot()).containsEntry("guard.pauses", 1L).containsEntry("pixel.outstanding.files", 7L)
                .containsEntry("guard.closed", 1).doesNotContainKey("icloud.anna.circuit-open");
        Object jmx = ManagementFactory.getPlatformMBeanServer().getAttribute(new ObjectName(Metrics.OBJECT_NAME),
                "pixel.outstanding.files");
        assertThat(jmx).isEqualTo(7.0);
        // a gauge that cannot be read is NaN in the scrape, not a failed scrape
        PrometheusText scrape = PrometheusText.parse(metrics.registry().scrape());
        assertThat(scrape.value("pipeline_icloud_circuit_open", "account", "anna")).hasValueSatisfying(
                v -> assertThat(v).isNaN());
        assertThat(scrape.value("pipeline_guard_pauses_total")).contains(1.0);
    }

    @Test
    void aGaugeRegisteredAgainReadsTheNewSource() {
        Metrics metrics = new Metrics();
        metrics.gauge("compress.running", () -> 1);
        metrics.gauge("compress.running", () -> 4);
        assertThat(PrometheusText.parse(metrics.registry().scrape()).value("pipeline_compress_running")).contains(4.0);
    }
}
