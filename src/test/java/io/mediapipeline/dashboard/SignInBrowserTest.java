package io.mediapipeline.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.mediapipeline.icloud.IcloudStage;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ops.Activity;
import io.mediapipeline.ops.Metrics;
import io.mediapipeline.support.Browser;
import io.mediapipeline.support.IcloudStandIn;
import io.mediapipeline.support.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The MFA sign-in from the dashboard, in headless Chromium, reaching the real download route
 * (routes/05-download-icloud, route icloud-sign-in) and the real icloudDownloader with the icloudpd stand-in: the
 * code typed on the page arrives on the stand-in's stdin, and the account is signed in. The code is in no log.
 */
class SignInBrowserTest {

    private static final String ANNA = "anna@example.com";
    private static final String PASSWORD = "Anna-Pa55-x3Kp9";
    private static final String CODE = "314159";

    @TempDir
    Path tmp;

    @Test
    void theCodeTypedOnTheSignInPageReachesTheWaitingIcloudpdAndSignsTheAccountIn() throws Exception {
        IcloudStandIn icloud = new IcloudStandIn(tmp);
        icloud.marker(ANNA, "mfa", "");
        icloud.marker(ANNA, "mfa-code", CODE);
        icloud.marker(ANNA, "password", PASSWORD);
        String extra = """
                pipeline.source.folder.enabled=false
                pipeline.source.icloud.enabled=true
                pipeline.source.icloud.accounts=anna
                pipeline.source.icloud.account.anna.username=%s
                pipeline.source.icloud.binary=%s
                pipeline.source.icloud.schedule=0 0 3 1 1 ? 2099
                pipeline.source.icloud.run-at-start=false
                pipeline.source.icloud.retry-check-seconds=1
                pipeline.db.embedded.port=%d
                """.formatted(ANNA, icloud.binary(), DashboardApp.freePort());
        var settings = DashboardApp.settings(tmp, extra, Map.of("PIPELINE_SOURCE_ICLOUD_ACCOUNT_ANNA_PASSWORD", PASSWORD));
        Database db = Database.open(settings);
        try (LogCapture log = LogCapture.of(org.slf4j.Logger.ROOT_LOGGER_NAME);
             DashboardApp app = DashboardApp.start(settings, List.of("05-download-icloud.camel.yaml"),
                     Map.of("dataSource", db.dataSource(), "activity", new Activity(), "metrics", new Metrics()),
                     List.of(new IcloudStage()));
             Browser browser = Browser.start()) {
            ChromeDriver driver = browser.driver();
            driver.get(app.url("/?token=" + DashboardApp.TOKEN));
            driver.findElement(By.linkText("iCloud sign-in")).click();
            assertThat(driver.findElement(By.id("account-anna")).getText()).contains("anna");

            // a code with no sign-in waiting for it goes nowhere
            enterCode(driver, "123456");
            awaitFlash(driver, "No sign-in of anna is waiting for a code");
            assertThat(icloud.ends(ANNA, "auth-only")).isEmpty();

            // "Send code": icloudpd --auth-only starts and waits at its prompt; a wrong code is refused by "Apple"
            driver.findElement(By.cssSelector("#account-anna form button")).click();
            awaitFlash(driver, "Apple sent a code");
            enterCode(driver, "271828");
            awaitFlash(driver, "Apple did not accept that code");
            assertThat(Files.exists(icloud.user(ANNA).resolve("mfa"))).as("still not signed in").isTrue();

            driver.findElement(By.cssSelector("#account-anna form button")).click();
            awaitFlash(driver, "Apple sent a code");
            enterCode(driver, CODE);
            awaitFlash(driver, "Code accepted: anna is signed in");

            assertThat(icloud.ends(ANNA, "auth-only")).hasSize(2).last()
                    .satisfies(l -> assertThat(l).contains("password=ok"));
            assertThat(Files.exists(icloud.user(ANNA).resolve("mfa"))).as("the stand-in took the code").isFalse();
            assertThat(driver.findElement(By.cssSelector("#account-anna .state")).getText()).isEqualTo("ready");
            assertThat(log.messages(Level.TRACE)).noneMatch(m -> m.contains(CODE)).noneMatch(m -> m.contains(PASSWORD));
            assertThat(driver.getPageSource()).doesNotContain(CODE);
            browser.screenshot(Path.of("target/dashboard-signin.png"));
        } finally {
            db.close();
        }
    }

    private static void enterCode(ChromeDriver driver, String code) {
        WebElement field = driver.findElement(By.cssSelector("#account-anna input[name=code]"));
        field.clear();
        field.sendKeys(code);
        driver.findElement(By.cssSelector("#account-anna input[name=code] ~ button")).click();
    }

    /** Waits for the next page's one-time message to say {@code expected} (a POST may take icloudpd's time). */
    private static void awaitFlash(ChromeDriver driver, String expected) {
        String[] last = {""};
        try {
            new WebDriverWait(driver, Duration.ofSeconds(100))
                    .ignoring(org.openqa.selenium.NoSuchElementException.class)
                    .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                    .until(d -> (last[0] = d.findElement(By.id("flash")).getText()).contains(expected));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("expected the message \"" + expected + "\", the page says \"" + last[0] + "\"", e);
        }
    }
}
