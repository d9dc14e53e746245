package io.mediapipeline.dashboard.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.MediaKind;
import io.mediapipeline.support.Browser;
import io.mediapipeline.support.FilePagesApp;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.RequiredTools;
import io.mediapipeline.support.Tools;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The file pages in the real dashboard (Camel's management server, the access gate, the layout), driven by headless
 * Chromium as a person uses them: search, a file's journey with its thumbnail, a retry from the failures page.
 */
class FilePagesBrowserTest {

    static final String TOKEN = "files-test-token-0123456789abcdef0123456789";

    @TempDir
    static Path tmp;
    static Database db;
    static Ledger ledger;
    static Main main;
    static int port;
    static Library.File sunset;
    static Library.File video;
    static Library.File stuck;

    @BeforeAll
    static void start() throws Exception {
        RequiredTools.need(Tools.onPath("ffmpeg"), "ffmpeg");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        PipelineHome pipeline = new PipelineHome(tmp).set("pipeline.management.enabled", "true")
                .set("pipeline.management.port", String.valueOf(port))
                .set("pipeline.management.token", TOKEN);
        Path home = pipeline.home();
        Settings settings = pipeline.settings();
        db = Database.open(settings);
        ledger = new Ledger(db.dataSource());
        Library library = new Library(ledger, home);
        Path made = Files.createDirectories(tmp.resolve("made"));
        Tools.run(made, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x480", "-frames:v", "1", "sunset.jpg");
        sunset = library.archived("Sunset_at_the_lake.jpg", MediaKind.PHOTO,
                OffsetDateTime.of(2022, 8, 20, 20, 15, 0, 0, ZoneOffset.ofHours(2)), Files.readAllBytes(made.resolve("sunset.jpg")));
        ledger.rows("""
                insert into deliveries (media_file_id, target, state, staged_path, evidence, confirmed_at)
                values (?, 'pixel', 'confirmed', ?, '{"availability":[{"id":"PHONE-DEVICE-ID","fromTemporary":false}],"version":"v7"}'::jsonb, now())
                returning id""", sunset.id(), home.resolve("bridge/pixel/b1/Sunset_at_the_lake.jpg").toString());
        video = library.archived("clip.mov", MediaKind.VIDEO, OffsetDateTime.now(), Library.bytes("clip"));
        stuck = library.ingested("Stuck_on_a_full_disk.jpg", MediaKind.PHOTO, OffsetDateTime.now(), Library.bytes("stuck"));
        ledger.markError(stuck.id(), "organize", "No space left on device");

        main = FilePagesApp.start("files-test", settings, ledger, new Handoff(home.resolve("work"), List.of("organize")));
    }

    @AfterAll
    static void stop() throws Exception {
        if (main != null) {
            main.stop();
        }
        if (db != null) {
            db.close();
        }
    }

    static String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void pagesNeedTheTokenAndUnknownThingsAreNotFound() throws Exception {
        String bearer = "Bearer " + TOKEN;
        assertThat(get("/files?q=sunset").statusCode()).isEqualTo(401);
        assertThat(get("/files/" + sunset.id() + "/thumb").statusCode()).isEqualTo(401);
        assertThat(get("/failures").statusCode()).isEqualTo(401);
        assertThat(get("/storage").statusCode()).isEqualTo(401);

        assertThat(get("/files/" + java.util.UUID.randomUUID(), "Authorization", bearer).statusCode()).isEqualTo(404);
        assertThat(get("/files/not-a-uuid", "Authorization", bearer).statusCode()).isEqualTo(404);
        assertThat(get("/files/" + video.id() + "/thumb", "Authorization", bearer).statusCode()).isEqualTo(404);
        HttpResponse<String> storage = get("/storage", "Authorization", bearer);
        assertThat(storage.statusCode()).isEqualTo(200);
        assertThat(storage.body()).contains("<svg", "2022-08").doesNotContain("<script");
    }

    @Test
    void searchOpenTheJourneyAndRetryAFailedFile() {
        RequiredTools.need(Browser.available(), "chromium and chromedriver");
        try (Browser browser = Browser.start()) {
            ChromeDriver driver = browser.driver();
            WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(20));
            driver.get(url("/files?token=" + TOKEN));
            assertThat(driver.getCurrentUrl()).doesNotContain("token");

            WebElement q = driver.findElement(By.id("q"));
            q.sendKeys("SUNSET_at");
            q.submit();
            wait.until(d -> d.getCurrentUrl().contains("q=SUNSET_at"));
            assertThat(driver.findElements(By.cssSelector("table.files tbody tr"))).extracting(WebElement::getText)
                    .singleElement().asString().startsWith("Sunset_at_the_lake.jpg");
            driver.findElement(By.linkText("Sunset_at_the_lake.jpg")).click();

            wait.until(d -> d.getCurrentUrl().endsWith("/files/" + sunset.id()));
            List<String> expected = ledger.rows("select entity || ' ' || to_state as e from file_events where media_file_id = ? order by id",
                    sunset.id()).stream().map(r -> (String) r.get("e")).toList();
            List<String> shown = driver.findElements(By.cssSelector("table.events tr.event")).stream()
                    .map(tr -> tr.findElements(By.tagName("td"))).map(td -> td.get(1).getText() + " " + td.get(3).getText())
                    .toList();
            assertThat(shown).isEqualTo(expected).contains("media_file archived", "delivery:pixel confirmed");
            String page = driver.findElement(By.tagName("main")).getText();
            assertThat(page).contains(sunset.sha256(), "availability[1].id", "PHONE-DEVICE-ID", "2022-08-20 20:15");
            WebElement thumb = driver.findElement(By.cssSelector("img.thumb"));
            wait.until(d -> (Boolean) driver.executeScript("return arguments[0].complete", thumb));
            assertThat(((Number) driver.executeScript("return arguments[0].naturalWidth", thumb)).intValue()).isEqualTo(320);

            driver.get(url("/failures"));
            WebElement row = driver.findElement(By.xpath("//tr[.//a[text()='Stuck_on_a_full_disk.jpg']]"));
            assertThat(row.getText()).contains("organize: No space left on device");
            row.findElement(By.xpath(".//button[text()='Organize again']")).click();
            wait.until(d -> !d.findElements(By.id("flash")).isEmpty());
            assertThat(driver.findElement(By.id("flash")).getText()).contains("Stuck_on_a_full_disk.jpg is queued for organize again");
            assertThat(ledger.rows("select status from media_files where id = ?", stuck.id()).get(0).get("status"))
                    .isEqualTo("ingested");
            assertThat(driver.findElements(By.xpath("//a[text()='Stuck_on_a_full_disk.jpg']"))).isEmpty();
        }
    }
}
