package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.Application;
import io.mediapipeline.demo.LoopbackPair;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.demo.LoopbackPair;
import io.mediapipeline.support.LogCapture;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Back-pressure against a real loopback Syncthing pair: no new batch starts while more than
 * max-unconfirmed-mb staged for the phone is unconfirmed; the files wait in work/pixel/ and go once the phone
 * has confirmed what it holds.
 */
class PixelBackPressureIT {

    @TempDir
    Path tmp;
    LoopbackPair pair;

    @AfterEach
    void stopPair() throws Exception {
        if (pair != null) {
            pair.close();
        }
    }

    private static Path bridge(PipelineHome p) {
        return p.home().resolve("bridge/pixel");
    }

    private static List<Path> staged(PipelineHome p) {
        return files(bridge(p)).stream().filter(f -> !f.getFileName().toString().startsWith(".")).toList();
    }

    @Test
    void noNewBatchWhileMoreThanMaxUnconfirmedMbWaitsForThePhone() throws Exception {
        PipelineHome p = new PipelineHome(tmp.resolve("p"));
        pair = LoopbackPair.start(tmp.resolve("st"), bridge(p));
        pair.pipelineSettings().forEach(p::set);
        p.set("pipeline.target.pixel.confirm-poll-ms", "200")
                .set("pipeline.target.pixel.confirm-max-backoff-seconds", "1")
                .set("pipeline.target.pixel.batch.max-files", "2")
                .set("pipeline.target.pixel.max-unconfirmed-mb", "1")
                .set("pipeline.target.pixel.once-wait-seconds", "3");
        // four photos of 0.5-1 MiB: one batch of two is over the 1 MiB cap
        Tools.run(p.library(), "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1024x768:rate=10", "-vf",
                "noise=alls=40:allf=t", "-frames:v", "4", "-q:v", "1", "p%d.jpg");
        Tools.run(p.library(), "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2022:02:02 10:00:00",
                "p1.jpg", "p2.jpg", "p3.jpg", "p4.jpg");
        for (Path f : files(p.library())) {
            assertThat(Files.size(f)).as(f + " size").isBetween(512L * 1024, 1024L * 1024 - 1);
        }
        pair.pausePhone();

        List<String> holds;
        try (LogCapture log = LogCapture.of("io.mediapipeline.pixel.PixelStager")) {
            // the exit code of a run whose phone is away is not this test's subject
            p.once();
            holds = log.messages(ch.qos.logback.classic.Level.INFO);
        }
        assertThat(staged(p)).as("one batch of two, then the cap holds").hasSize(2);
        assertThat(files(p.home().resolve("work/pixel"))).as("the rest waits in work/pixel").hasSize(2);
        assertThat(holds).anySatisfy(m -> assertThat(m).startsWith("Pixel staging holds: ").contains("(cap 1 MB)"));
        try (Database ledger = p.openLedger()) {
            assertThat(query(ledger, "select 1 from batches where target = 'pixel'")).hasSize(1);
            assertThat(query(ledger, "select state from deliveries")).hasSize(2)
                    .allSatisfy(d -> assertThat(d.get("state")).isEqualTo("staged"));
        }

        // the phone is back: the first batch is confirmed, then the waiting files go
        pair.resumePhone();
        p.set("pipeline.target.pixel.once-wait-seconds", "60");
        assertThat(p.once()).isEqualTo(Application.EXIT_OK);
        assertThat(staged(p)).hasSize(4);
        assertThat(files(p.home().resolve("work/pixel"))).isEmpty();
        try (Database ledger = p.openLedger()) {
            assertThat(query(ledger, "select 1 from batches where target = 'pixel'")).hasSize(2);
            List<Map<String, Object>> deliveries = query(ledger, "select state from deliveries");
            assertThat(deliveries).hasSize(4).allSatisfy(d -> assertThat(d.get("state")).isEqualTo("confirmed"));
        }
    }
}
