package io.mediapipeline.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Real headless Chromium (Debian's {@code chromium}) driven through Debian's {@code chromedriver} (package
 * chromium-driver), both found on the PATH's usual places: Selenium Manager is never asked to download a
 * driver or a browser (no network but loopback in tests). Close it (try-with-resources) to end both processes.
 */
public final class Browser implements AutoCloseable {

    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private final ChromeDriver driver;

    private Browser(ChromeDriver driver) {
        this.driver = driver;
    }

    /** True when both the browser and its driver are installed (bin/media-pipeline test installs them). */
    public static boolean available() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    /** A fresh headless browser with an empty profile (no cookies), 1280x900. */
    public static Browser start() {
        if (!available()) {
            throw new IllegalStateException("chromium and chromedriver are needed (apt-get install chromium chromium-driver)");
        }
        // keeps Selenium Manager offline: the driver and the browser are both given
        System.setProperty("SE_OFFLINE", "true");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--no-first-run", "--disable-extensions");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        return new Browser(driver);
    }

    public ChromeDriver driver() {
        return driver;
    }

    /** Saves what the browser shows now as a PNG (e.g. docs/dashboard.png), creating the folder. */
    public Path screenshot(Path png) throws java.io.IOException {
        byte[] bytes = driver.getScreenshotAs(org.openqa.selenium.OutputType.BYTES);
        if (png.getParent() != null) {
            Files.createDirectories(png.getParent());
        }
        return Files.write(png, bytes);
    }

    @Override
    public void close() {
        driver.quit();
    }
}
