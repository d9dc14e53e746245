package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.Application;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ops.Metrics;
import io.mediapipeline.support.IcloudStandIn;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The iCloud metrics over JMX after `once` runs in-process with the stand-in icloudpd: the session's days
 * left from the cookie jar, one counter per classified outcome, and the circuit breaker's state.
 */
class IcloudMetricsIT {

    private static final String USER = "mia@example.com";
    private static final String PASSWORD = "Mia-Pa55-w0rd-9k";

    @TempDir
    Path tmp;

    static double metric(String name) throws Exception {
        return PipelineHome.metric(name);
    }

    @Test
    void sessionDaysLeftOutcomesAndCircuitAreMetrics() throws Exception {
        IcloudStandIn icloud = new IcloudStandIn(tmp);
        Tools.photos(Files.createDirectories(icloud.user(USER).resolve("library/2024/02/02")), "IMG_", 2, "2024:02:02 10:00:00");
        icloud.marker(USER, "password", PASSWORD);
        // the app runs in this JVM: a wrapper gives the stand-in its fake iCloud and a session ending in 5 days
        Path wrapper = tmp.resolve("bin/icloudpd-wrapper");
        Files.writeString(wrapper, "#!/bin/sh\nexport FAKE_ICLOUD='" + icloud.root() + "'\nexport FAKE_SESSION_DAYS=5\n"
                + "exec '" + icloud.binary() + "' \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        PipelineHome p = new PipelineHome(tmp.resolve("p"))
                .set("pipeline.source.folder.enabled", "false")
                .set("pipeline.source.icloud.enabled", "true")
                .set("pipeline.source.icloud.username", USER)
                .set("pipeline.source.icloud.password", PASSWORD)
                .set("pipeline.source.icloud.binary", wrapper.toString())
                .set("pipeline.source.icloud.max-attempts-per-hour", "2")
                .set("pipeline.source.icloud.stop-grace-seconds", "3");

        assertThat(p.once()).isEqualTo(Application.EXIT_OK);
        assertThat(files(p.sorted())).hasSize(2);
        assertThat(metric("icloud.default.outcome.success")).isEqualTo(1);
        assertThat(metric("icloud.default.session-days-left")).as("cookie expires in 5 days").isBetween(4.0, 5.0);
        assertThat(metric("icloud.default.circuit-open")).as("1 start of 2 allowed").isZero();
        try (Database ledger = p.openLedger()) {
            assertThat(query(ledger, "select message from pipeline_logs where stage = 'download-icloud' and level = 'warn'"))
                    .anySatisfy(r -> assertThat((String) r.get("message")).contains("the session expires"));
        }

        // Apple throttles the next run: it is counted as throttled, and the hourly limit (2) is now reached
        icloud.marker(USER, "throttle", "");
        assertThat(p.once())
                .as("a throttled download is not all done").isEqualTo(Application.EXIT_NOT_DONE);
        assertThat(metric("icloud.default.outcome.throttled")).isEqualTo(1);
        assertThat(metric("icloud.default.outcome.success")).as("a new run counts afresh").isEqualTo(-1);
        assertThat(metric("icloud.default.circuit-open")).isEqualTo(1);
        assertThat(metric("icloud.default.session-days-left")).isBetween(4.0, 5.0);
    }

    /** A run that ends after "Processing user" with exit 0 proves nothing: unknown, retried with backoff, counted, shown. */
    @Test
    void aRunWithoutAnEndLineIsUnknownAndRetriedNotASuccess() throws Exception {
        IcloudStandIn icloud = new IcloudStandIn(tmp);
        Tools.photos(Files.createDirectories(icloud.user(USER).resolve("library/2024/02/02")), "IMG_", 1, "2024:02:02 10:00:00");
        icloud.marker(USER, "silent", "");
        Path wrapper = tmp.resolve("bin/icloudpd-wrapper");
        Files.writeString(wrapper, "#!/bin/sh\nexport FAKE_ICLOUD='" + icloud.root() + "'\nexec '" + icloud.binary() + "' \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        PipelineHome p = new PipelineHome(tmp.resolve("p"))
                .set("pipeline.source.folder.enabled", "false")
                .set("pipeline.source.icloud.enabled", "true")
                .set("pipeline.source.icloud.username", USER)
                .set("pipeline.source.icloud.password", PASSWORD)
                .set("pipeline.source.icloud.binary", wrapper.toString());

        p.once();
        assertThat(icloud.ends(USER, "download")).as("the stand-in ran").hasSize(1);
        assertThat(metric("icloud.default.outcome.unknown")).isEqualTo(1);
        assertThat(metric("icloud.default.outcome.success")).as("never a success").isEqualTo(-1);
        try (Database ledger = p.openLedger()) {
            assertThat(query(ledger, "select outcome from icloud_attempts")).extracting(r -> r.get("outcome")).containsExactly("unknown");
            assertThat(query(ledger, "select state, consecutive_failures, next_attempt_at, last_success_at from icloud_accounts"))
                    .singleElement().satisfies(r -> {
                        assertThat(r.get("state")).as("retried with backoff").isEqualTo("backing-off");
                        assertThat(r.get("consecutive_failures")).isEqualTo(1);
                        assertThat(r.get("next_attempt_at")).isNotNull();
                        assertThat(r.get("last_success_at")).isNull();
                    });
            assertThat(query(ledger, "select level, message from pipeline_logs where stage = 'download-icloud' and message like '%unknown%'"))
                    .singleElement().satisfies(r -> assertThat(r.get("level")).isEqualTo("warn"));
        }
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
            Application.run(new String[] {"doctor", "--config", p.config().toString()});
        } finally {
            System.setOut(old);
        }
        assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
                .containsPattern("WARN  icloud default +backing off until .*; last unknown");
    }
}
