package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.AppProcess;
import io.mediapipeline.support.IcloudStandIn;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping the service while icloudpd downloads: icloudpd's group gets SIGTERM as soon as Camel begins to stop,
 * so the service ends within the grace, not after Camel's own shutdown timeout, and the run is recorded as
 * stopped (never a success), its half file still a .part.
 */
class IcloudStopIT {

    private static final String USER = "stop@example.com";
    private static final String PASSWORD = "Stop-Pa55-4kd9Qe";

    @TempDir
    Path tmp;

    @Test
    void sigtermDuringADownloadEndsIcloudpdPromptly() throws Exception {
        IcloudStandIn icloud = new IcloudStandIn(tmp);
        Tools.photos(Files.createDirectories(icloud.user(USER).resolve("library/2024/06/01")), "IMG_", 1,
                "2024:06:01 12:00:00");
        icloud.marker(USER, "password", PASSWORD);
        icloud.marker(USER, "slow", "120"); // the file would take two minutes: only a stop ends the run sooner
        PipelineHome pipeline = new PipelineHome(tmp)
                .set("pipeline.source.folder.enabled", "false")
                .set("pipeline.source.icloud.enabled", "true")
                .set("pipeline.source.icloud.username", USER)
                .set("pipeline.source.icloud.schedule", "0 0 3 1 1 ? 2099")
                .set("pipeline.source.icloud.run-at-start", "true")
                .set("pipeline.source.icloud.binary", icloud.binary().toString())
                .set("pipeline.source.icloud.stop-grace-seconds", "3");
        Path log = tmp.resolve("app.log");
        Path mirror = pipeline.home().resolve("icloud/default");
        Process app = AppProcess.start(pipeline.config(), log,
                Map.of("FAKE_ICLOUD", icloud.root().toString(), "PIPELINE_SOURCE_ICLOUD_PASSWORD", PASSWORD));
        IcloudDownloadIT.waitFor(app, log, 120, () -> files(mirror).stream().anyMatch(p -> p.toString().endsWith(".part")));
        String started = icloud.invocations(USER).stream().filter(l -> l.contains(" start download "))
                .reduce((a, b) -> b).orElseThrow();
        long pid = Long.parseLong(started.replaceAll(".* pid=(\\d+).*", "$1"));

        long t0 = System.nanoTime();
        app.destroy(); // SIGTERM
        assertThat(app.waitFor(40, TimeUnit.SECONDS)).as("the service ends").isTrue();
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        System.out.println("SIGTERM to exit while icloudpd downloaded: " + took.toMillis() + " ms");
        assertThat(app.exitValue()).isEqualTo(143);
        assertThat(took).as("well within Camel's 45 s shutdown timeout: icloudpd was stopped first")
                .isLessThan(Duration.ofSeconds(25));
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("icloudpd ended").isFalse();
        assertThat(files(mirror)).as("the half file stays a .part").singleElement()
                .satisfies(p -> assertThat(p.toString()).endsWith(".part"));
        try (Database db = pipeline.openLedger()) {
            assertThat(query(db, "select outcome from icloud_attempts")).extracting(r -> r.get("outcome"))
                    .containsExactly("stopped");
        }
    }
}
