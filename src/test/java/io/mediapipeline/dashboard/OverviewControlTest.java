package io.mediapipeline.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.mediapipeline.support.LogCapture;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start on a stage whose one route cannot start: the log and the page say which started and which did not. */
class OverviewControlTest {

    @TempDir
    static Path tmp;
    static DashboardApp app;

    @BeforeAll
    static void start() throws Exception {
        Path missing = tmp.resolve("no-such-folder");
        app = DashboardApp.start(tmp, new RouteBuilder() {
            @Override
            public void configure() {
                from("timer:tick?period=60000").routeId("scrub-tick").routeGroup("scrub").autoStartup(false).log("tick");
                // its folder must exist and is never made: this route cannot start
                from("file:" + missing + "?autoCreate=false&startingDirectoryMustExist=true").routeId("scrub-files")
                        .routeGroup("scrub").autoStartup(false).log("file");
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        app.close();
    }

    @Test
    void aPartlyFailedStartLogsWhatStartedAndWhatDidNot() throws Exception {
        String cookie = app.get("/?token=" + DashboardApp.TOKEN).headers().firstValue("Set-Cookie").orElseThrow();
        String session = cookie.substring(0, cookie.indexOf(';'));
        Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(app.get("/", "Cookie", session).body());
        assertThat(csrf.find()).as("the overview carries a form").isTrue();

        HttpResponse<String> r;
        try (LogCapture log = LogCapture.of(OverviewPage.class.getName())) {
            r = app.post("/stages/scrub/start", "csrf=" + csrf.group(1), "Cookie", session);
            assertThat(log.messages(Level.INFO)).anyMatch(m -> m.contains("started scrub-tick of scrub"))
                    .noneMatch(m -> m.contains("started") && m.contains("scrub-files") && !m.contains("could not"))
                    .anyMatch(m -> m.contains("could not start route scrub-files"));
        }
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(app.camel().getRouteController().getRouteStatus("scrub-tick").isStarted()).isTrue();
        assertThat(app.camel().getRouteController().getRouteStatus("scrub-files").isStarted()).isFalse();
        assertThat(app.get("/", "Cookie", session).body()).contains("Could not start scrub-files of scrub")
                .contains("Started: scrub-tick");
    }
}
