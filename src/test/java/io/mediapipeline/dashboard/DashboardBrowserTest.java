package io.mediapipeline.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.status.Attention;
import io.mediapipeline.support.Browser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard as its user meets it, in real headless Chromium against camel-main with the management server:
 * refused without the token, the token gone from the address after the first visit, a stage stopped and started
 * from its buttons, a run report read as a page; plus the overview's weight and time to first render.
 */
class DashboardBrowserTest {

    @TempDir
    static Path tmp;
    static DashboardApp app;
    static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        app = DashboardApp.start(tmp, new RouteBuilder() {
            @Override
            public void configure() {
                from("timer:ingest?period=60000").routeId("ingest-files").routeGroup("ingest").log("tick");
                from("timer:compress?period=60000").routeId("compress-files").routeGroup("compress").log("tick");
                from("timer:compress-queue?period=60000").routeId("compress-queue").routeGroup("compress").log("tick");
            }
        });
        app.status.needsYou.add(new Attention(Attention.Kind.PHONE_OFFLINE, "phone",
                "The phone has not been seen for 26 hours; open Syncthing on it.", Instant.now().minusSeconds(93600)));
        browser = Browser.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        app.close();
    }

    private static ChromeDriver driver() {
        return browser.driver();
    }

    private static void signIn() {
        driver().get(app.url("/?token=" + DashboardApp.TOKEN));
    }

    @Test
    void withoutTheTokenTheBrowserGetsTheSignInNeededPageAndNoData() {
        driver().manage().deleteAllCookies();
        driver().get(app.url("/"));
        assertThat(driver().findElement(By.tagName("h1")).getText()).isEqualTo("Sign in needed");
        assertThat(driver().getPageSource()).doesNotContain("ingest").doesNotContain(DashboardApp.TOKEN);
        driver().get(app.url("/observe/health"));
        assertThat(driver().getPageSource()).contains("Sign in needed").doesNotContain("UP");
    }

    @Test
    void theFirstVisitLeavesNoTokenInTheAddressAndAnHttpOnlyStrictCookie() {
        driver().manage().deleteAllCookies();
        signIn();
        assertThat(driver().getCurrentUrl()).isEqualTo(app.url("/")).doesNotContain("token");
        Cookie c = driver().manage().getCookieNamed(Access.COOKIE);
        assertThat(c).isNotNull();
        assertThat(c.isHttpOnly()).isTrue();
        assertThat(c.getSameSite()).isEqualTo("Strict");
        assertThat(c.getValue()).doesNotContain(DashboardApp.TOKEN);
        // the overview: stages with counts, the banner, the totals
        assertThat(driver().findElement(By.id("stage-ingest")).getText()).contains("ingest", "Started", "12", "9");
        assertThat(driver().findElement(By.id("needs-you")).getText()).contains("phone", "26 hours");
        assertThat(driver().findElement(By.id("totals")).getText()).contains("3.0 MB");
        // a later visit needs the cookie only
        driver().get(app.url("/reports"));
        assertThat(driver().findElement(By.tagName("h1")).getText()).isEqualTo("Run reports");
    }

    @Test
    void aStageIsStoppedAndStartedFromItsButtons() {
        signIn();
        driver().findElement(By.cssSelector("#stage-compress button[name=stop]")).click();
        waitFor(() -> driver().findElement(By.id("flash")).getText().contains("Stopped compress"));
        assertThat(app.camel().getRouteController().getRouteStatus("compress-files").isStopped()).isTrue();
        assertThat(app.camel().getRouteController().getRouteStatus("compress-queue").isStopped()).isTrue();
        assertThat(app.camel().getRouteController().getRouteStatus("ingest-files").isStarted()).isTrue();
        WebElement row = driver().findElement(By.id("stage-compress"));
        assertThat(row.findElement(By.cssSelector(".state")).getText()).isEqualTo("Stopped");
        assertThat(row.findElements(By.cssSelector("button[name=stop]"))).isEmpty();

        row.findElement(By.cssSelector("button[name=start]")).click();
        waitFor(() -> driver().findElement(By.id("flash")).getText().contains("Started compress"));
        assertThat(app.camel().getRouteController().getRouteStatus("compress-files").isStarted()).isTrue();
        assertThat(driver().findElement(By.cssSelector("#stage-compress .state")).getText()).isEqualTo("Started");
        // the message is shown once
        driver().navigate().refresh();
        assertThat(driver().findElements(By.id("flash"))).isEmpty();
    }

    @Test
    void aRunReportReadsAsAPageNotAsJson() throws Exception {
        Path reports = Files.createDirectories(app.settings.home().resolve("reports"));
        Files.writeString(reports.resolve("run-20261201T030000Z-6.json"), """
                {"run":6,"startedAt":"2026-12-01T03:00:00Z","finishedAt":"2026-12-01T03:02:00Z",
                 "counts":{"imported":1,"duplicate":0,"quarantined":1,"pending":0}}""");
        Files.writeString(reports.resolve("run-20261202T030000Z-7.json"), """
                {"run":7,"startedAt":"2026-12-02T03:00:00Z","finishedAt":"2026-12-02T03:04:10Z",
                 "counts":{"imported":2,"duplicate":1,"quarantined":0,"pending":0},
                 "compression":{"compressed":2,"bytesSaved":1834000},
                 "files":[{"source":"/library/birthday.mov","sha256":"e0f3318850d4","status":"ingested",
                           "deliveries":{"pixel":"confirmed","icloud":"uploaded"},"error":null},
                          {"source":"/library/IMG_0002.jpg","sha256":"77ab01","status":"duplicate","deliveries":{}}]}""");
        signIn();
        driver().get(app.url("/reports"));
        List<WebElement> links = driver().findElements(By.cssSelector("#reports a"));
        assertThat(links).extracting(WebElement::getText).containsExactly("Run 7, 2026-12-02 03:00 UTC",
                "Run 6, 2026-12-01 03:00 UTC");
        links.get(0).click();
        assertThat(driver().findElement(By.tagName("h1")).getText()).isEqualTo("Run 7, 2026-12-02 03:00 UTC");
        assertThat(driver().findElement(By.id("section-counts")).getText()).contains("Imported", "2", "Duplicate");
        assertThat(driver().findElement(By.id("section-compression")).getText()).contains("Bytes saved", "1.8 MB (1834000)");
        WebElement files = driver().findElement(By.cssSelector("#section-files table"));
        assertThat(files.findElements(By.cssSelector("tbody tr"))).hasSize(2);
        assertThat(files.getText()).contains("birthday.mov", "Pixel: confirmed, Icloud: uploaded", "duplicate");
        assertThat(driver().getPageSource()).doesNotContain("\"counts\"");
        browser.screenshot(Path.of("target/dashboard-report.png"));
        // only the report files themselves can be opened
        driver().get(app.url("/reports/..%2F..%2Fconfig.properties"));
        assertThat(driver().findElement(By.id("error")).getText()).isEqualTo("There is no run report of that name.");
    }

    @Test
    void theOverviewIsSmallAndRendersFast() throws Exception {
        signIn();
        driver().get(app.url("/"));
        long html = app.get("/", "Authorization", "Bearer " + DashboardApp.TOKEN).body().getBytes().length;
        long css = app.get(Mount.CSS_PATH, "Authorization", "Bearer " + DashboardApp.TOKEN).body().getBytes().length;
        // the paint entry is recorded after the page has loaded, so a loaded machine can ask before it exists
        new WebDriverWait(driver(), Duration.ofSeconds(10)).until(d -> (Boolean) driver().executeScript(
                "return performance.getEntriesByType('paint').some(p => p.name === 'first-contentful-paint');"));
        Map<?, ?> t = (Map<?, ?>) driver().executeScript("""
                const n = performance.getEntriesByType('navigation')[0];
                const fcp = performance.getEntriesByType('paint').find(p => p.name === 'first-contentful-paint');
                return {responseStart: n.responseStart, domContentLoaded: n.domContentLoadedEventEnd,
                        fcp: fcp ? fcp.startTime : -1, resources: performance.getEntriesByType('resource').length};""");
        System.out.printf("dashboard overview: page weight %d bytes (HTML %d + CSS %d), responseStart %.1f ms,"
                        + " domContentLoaded %.1f ms, first-contentful-paint %.1f ms, %s subresource(s)%n", html + css,
                html, css, num(t.get("responseStart")), num(t.get("domContentLoaded")), num(t.get("fcp")),
                t.get("resources"));
        assertThat(html + css).isLessThan(50_000);
        assertThat(num(t.get("fcp"))).isPositive().isLessThan(5000);
        // what the overview looks like, for a person to check (the integrator copies one to docs/)
        browser.screenshot(Path.of(System.getProperty("dashboard.screenshot", "target/dashboard-overview.png")));
    }

    private static double num(Object o) {
        return ((Number) o).doubleValue();
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) {
        new WebDriverWait(driver(), Duration.ofSeconds(30)).ignoring(org.openqa.selenium.NoSuchElementException.class)
                // the old page may go away while it is read
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(d -> condition.getAsBoolean());
    }
}
