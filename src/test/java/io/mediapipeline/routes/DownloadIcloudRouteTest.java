package io.mediapipeline.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

/** download-icloud*: the schedule, the retry timer and the start all go to the downloader, each to its own method. */
class DownloadIcloudRouteTest extends RouteTestSupport {

    @Override
    protected List<String> routeFiles() {
        return List.of("05-download-icloud.camel.yaml");
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("pipeline.source.icloud.enabled", "true", "pipeline.source.icloud.retry-check-seconds", "1",
                "mediapipeline.icloud-run-at-start", "true");
    }

    @Override
    protected void bindFakes(Registry registry) {
        registry.bind("icloudDownloader", new Object() {
            public void scheduled() {
                calls.add("scheduled");
            }

            public void tick() {
                calls.add("tick");
            }

            public void startup(boolean runNow) {
                calls.add("startup " + runNow);
            }

            public Map<String, String> signIn(@org.apache.camel.Header("account") String account,
                                              @org.apache.camel.Header("action") String action,
                                              @org.apache.camel.Header("code") String code) {
                calls.add("signIn " + account + " " + action + " " + code);
                return Map.of("outcome", "signed-in", "message", "Code accepted");
            }
        });
    }

    @Test
    void startHandsOverLeftoversOnceAndDownloadsWhenAskedTo() throws Exception {
        // the start timer fires at once, possibly before a NotifyBuilder could be created: wait for its call
        context.start();

        await().atMost(Duration.ofSeconds(10)).until(() -> calls.contains("startup true"));
        NotifyBuilder retries = new NotifyBuilder(context).fromRoute("download-icloud-retry").whenCompleted(1).create();
        assertThat(retries.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).as("once, however long the service runs").containsOnlyOnce("startup true");
    }

    @Test
    void retryTimerRunsWhatIsDue() throws Exception {
        context.start();
        NotifyBuilder ticks = new NotifyBuilder(context).fromRoute("download-icloud-retry").whenCompleted(2).create();

        assertThat(ticks.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).contains("tick");
    }

    @Test
    void theScheduleStartsADownloadOfEveryAccount() throws Exception {
        // the cron trigger itself is Quartz's; what the route promises is what a firing does
        advise("download-icloud", a -> a.replaceFromWith("direct:icloud-schedule"));
        context.start();

        template.sendBody("direct:icloud-schedule", null);
        assertThat(calls).contains("scheduled");
    }

    @Test
    void theDashboardsSignInReachesTheDownloaderWithItsHeadersAndGetsItsAnswer() throws Exception {
        context.start();

        Object answer = template.requestBodyAndHeaders("direct:icloud-sign-in", null,
                Map.of("account", "anna", "action", "submit-code", "code", "314159"));
        assertThat(calls).contains("signIn anna submit-code 314159");
        assertThat(answer).isEqualTo(Map.of("outcome", "signed-in", "message", "Code accepted"));
    }
}
