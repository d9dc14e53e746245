package io.mediapipeline.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mediapipeline.flow.GuardClosedException;
import io.mediapipeline.ledger.LedgerException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * compress: plan, then (for a plan that encodes) the plan's own tool step, the second pass it names, exiftool copying
 * the metadata back, ffmpeg measuring SSIM when it can, and the quality gate, again while the gate asks for another
 * rung; every exec: step is a mock. With compress-errors: a failure is recorded once, a ledger outage is retried.
 */
class CompressRouteTest extends RouteTestSupport {

    private static final List<String> TOOL_STEPS = List.of("ffmpeg-encode", "heif-convert", "djpeg-decode",
            "cjpeg-encode", "jpegtran-optimize", "exiftool-copy-metadata", "ffmpeg-ssim");

    /** What the fake planner decides for a queue file: encoder null = nothing to encode. */
    private record Plan(String encoder, String secondPass, boolean measurable) {
    }

    private static final Map<String, Plan> PLANS = Map.of(
            "video.mp4", new Plan("ffmpeg", null, true),
            "photo.heic", new Plan("heif-convert", null, false),
            "djpeg.jpg", new Plan("djpeg", "cjpeg", true),
            "mjpeg.jpg", new Plan("ffmpeg", "jpegtran", true),
            "small.png", new Plan(null, null, false));

    private final ExecutorService pool = Executors.newSingleThreadExecutor();
    /** How many more rungs the gate asks for before it decides. */
    private final AtomicInteger gateRetries = new AtomicInteger();
    private final AtomicInteger gateOutages = new AtomicInteger();
    private volatile String failingStep;
    /** How many plan calls the guard refuses first. */
    private final AtomicInteger refusalsLeft = new AtomicInteger();

    @Override
    protected List<String> routeFiles() {
        return List.of("00-error-handling.camel.yaml", "30-compress.camel.yaml");
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("pipeline.compress.enabled", "true");
    }

    @Override
    protected void bindFakes(Registry registry) {
        super.bindFakes(registry);
        registry.bind("compressPool", pool);
        registry.bind("compressQueue", new Object() {
            public void scheduled() {
                calls.add("compressQueue.scheduled");
            }
        });
        registry.bind("compressor", new Object() {
            public void plan(Exchange ex) throws GuardClosedException {
                record("compressor.plan", ex);
                if (refusalsLeft.getAndDecrement() > 0) {
                    throw new GuardClosedException("the NAS marker /mnt/nas/.m is missing (is the NAS mounted?)");
                }
                Plan plan = PLANS.get(ex.getIn().getHeader(Exchange.FILE_NAME_ONLY, String.class));
                ex.setVariable("compressAction", plan.encoder() == null ? "done" : "encode");
                ex.setVariable("encoder", plan.encoder());
                ex.setVariable("secondPass", plan.secondPass());
            }

            public void secondPass(Exchange ex) {
                record("compressor.secondPass", ex);
            }

            public void copyMetadata(Exchange ex) {
                record("compressor.copyMetadata", ex);
            }

            public void measure(Exchange ex) {
                record("compressor.measure", ex);
                ex.setVariable("measureSsim", PLANS.get(ex.getIn().getHeader(Exchange.FILE_NAME_ONLY, String.class)).measurable());
            }

            public void gate(Exchange ex) {
                record("compressor.gate", ex);
                if (gateOutages.getAndDecrement() > 0) {
                    throw new LedgerException("database away", null);
                }
                if (gateRetries.getAndDecrement() <= 0) {
                    ex.setVariable("compressAction", "done");
                }
            }

            public void failed(Exchange ex) {
                record("compressor.failed", ex);
            }
        });
    }

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    /** Replaces each exec: step with a mock that records the call (and fails for failingStep). */
    private void start() throws Exception {
        advise("compress", a -> {
            for (String step : TOOL_STEPS) {
                a.weaveById(step).replace().to("mock:" + step);
            }
        });
        advise("compress-requeue", a -> a.replaceFromWith("direct:compress-requeue"));
        context.start();
        for (String step : TOOL_STEPS) {
            getMockEndpoint("mock:" + step).whenAnyExchangeReceived(ex -> {
                record("exec " + step, ex);
                if (step.equals(failingStep)) {
                    throw new IllegalStateException(step + " exited with 1");
                }
            });
        }
    }

    private Path queue(String name) throws Exception {
        return write(home().resolve("work/compress").resolve(name), "link to the original");
    }

    private List<String> callsFor(String file) {
        return calls.stream().filter(c -> c.endsWith(" " + file)).map(c -> c.substring(0, c.length() - file.length() - 1)).toList();
    }

    private static List<String> encode(String... tools) {
        List<String> steps = new ArrayList<>();
        for (String tool : tools) {
            steps.add(tool.startsWith("exec ") ? tool : "compressor." + tool);
        }
        return steps;
    }

    @Test
    void eachPlanRunsItsOwnToolsThenTheGate() throws Exception {
        start();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("compress").whenCompleted(PLANS.size()).create();
        List<Path> queued = new ArrayList<>();
        for (String name : PLANS.keySet()) {
            queued.add(queue(name));
        }

        assertThat(done.matches(15, TimeUnit.SECONDS)).isTrue();
        assertThat(callsFor("video.mp4")).isEqualTo(encode("plan", "exec ffmpeg-encode", "copyMetadata",
                "exec exiftool-copy-metadata", "measure", "exec ffmpeg-ssim", "gate"));
        assertThat(callsFor("photo.heic")).isEqualTo(encode("plan", "exec heif-convert", "copyMetadata",
                "exec exiftool-copy-metadata", "measure", "gate"));
        assertThat(callsFor("djpeg.jpg")).isEqualTo(encode("plan", "exec djpeg-decode", "secondPass",
                "exec cjpeg-encode", "copyMetadata", "exec exiftool-copy-metadata", "measure", "exec ffmpeg-ssim", "gate"));
        assertThat(callsFor("mjpeg.jpg")).isEqualTo(encode("plan", "exec ffmpeg-encode", "secondPass",
                "exec jpegtran-optimize", "copyMetadata", "exec exiftool-copy-metadata", "measure", "exec ffmpeg-ssim", "gate"));
        assertThat(callsFor("small.png")).as("nothing to encode: no tool runs").isEqualTo(encode("plan"));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(queued).allSatisfy(q -> assertThat(q).doesNotExist()));
    }

    @Test
    void aGateAskingForAnotherRungRunsTheLoopAgain() throws Exception {
        gateRetries.set(1);
        start();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("compress").whenCompleted(1).create();
        queue("video.mp4");

        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
        List<String> rung = encode("exec ffmpeg-encode", "copyMetadata", "exec exiftool-copy-metadata", "measure",
                "exec ffmpeg-ssim", "gate");
        List<String> expected = new ArrayList<>(encode("plan"));
        expected.addAll(rung);
        expected.addAll(rung);
        assertThat(callsFor("video.mp4")).isEqualTo(expected);
    }

    @Test
    void aFailedToolIsRecordedOnceAndNotRetried() throws Exception {
        failingStep = "ffmpeg-encode";
        start();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("compress").whenCompleted(1).create();
        Path queued = queue("video.mp4");

        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(callsFor("video.mp4")).isEqualTo(encode("plan", "exec ffmpeg-encode", "failed"));
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(queued).as("the decision is recorded, so the queue file goes").doesNotExist());
    }

    @Test
    void aGuardRefusalKeepsTheQueueFileWithoutARecordedFailure() throws Exception {
        refusalsLeft.set(1);
        start();
        NotifyBuilder refused = new NotifyBuilder(context).fromRoute("compress").whenFailed(1).create();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("compress").whenCompleted(1).create();
        Path queued = queue("small.png");

        assertThat(refused.matches(10, TimeUnit.SECONDS)).as("a pause: the exchange fails, the file stays").isTrue();
        assertThat(done.matches(10, TimeUnit.SECONDS)).as("the next poll offers it again").isTrue();
        assertThat(callsFor("small.png")).as("no retries, no recorded failure").isEqualTo(encode("plan", "plan"));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(queued).doesNotExist());
    }

    @Test
    void aLedgerOutageIsRetriedWithoutEncodingAgain() throws Exception {
        gateOutages.set(1);
        start();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("compress").whenCompleted(1).create();
        queue("video.mp4");

        assertThat(done.matches(15, TimeUnit.SECONDS)).isTrue();
        assertThat(callsFor("video.mp4")).isEqualTo(encode("plan", "exec ffmpeg-encode", "copyMetadata",
                "exec exiftool-copy-metadata", "measure", "exec ffmpeg-ssim", "gate", "gate"));
    }

    @Test
    void theScheduleRequeuesWhatTheStageDidNotGetFromIngest() throws Exception {
        start();
        template.sendBody("direct:compress-requeue", null);
        assertThat(calls).containsExactly("compressQueue.scheduled");
    }
}
