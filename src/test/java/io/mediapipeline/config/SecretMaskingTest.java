package io.mediapipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.cli.Doctor;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.PipelineHome;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A URL's user:password or password parameter never shows: not in a settings error, not in doctor, not in describe(). */
class SecretMaskingTest {

    private static final String SECRET = "hunter2-Zq9";

    @TempDir
    Path app;

    private Settings load(String overrides) throws Exception {
        return PipelineHome.loadSettings(app, "pipeline.home=" + app.resolve("home") + "\n" + overrides, Map.of());
    }

    @Test
    void urlCredentialsAreMaskedAndTheRestStaysReadable() {
        assertThat(Secrets.mask("postgresql://anna:" + SECRET + "@db.example:5432/media"))
                .isEqualTo("postgresql://anna:******@db.example:5432/media");
        assertThat(Secrets.mask("jdbc:postgresql://db.example/media?user=anna&password=" + SECRET + "&sslmode=verify-full"))
                .isEqualTo("jdbc:postgresql://db.example/media?user=anna&password=******&sslmode=verify-full");
        assertThat(Secrets.mask("https://" + SECRET + "@host/x?apikey=" + SECRET + "&access_token=" + SECRET))
                .doesNotContain(SECRET).contains("https://******@host/x");
        assertThat(Secrets.mask("http://127.0.0.1:8384/")).isEqualTo("http://127.0.0.1:8384/");
        assertThat(Secrets.show("pipeline.target.pixel.api-key", SECRET)).isEqualTo("******");
    }

    @Test
    void settingsErrorDoesNotEchoTheDatabasePassword() {
        assertThatThrownBy(() -> load("pipeline.db.url=postgresql://anna:" + SECRET + "@db.example/media\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pipeline.db.url")
                .hasMessageContaining("anna").hasMessageNotContaining(SECRET);
    }

    @Test
    void settingsErrorDoesNotEchoTheSyncthingUrlPassword() {
        assertThatThrownBy(() -> load("pipeline.target.pixel.enabled=true\npipeline.target.pixel.folder-id=pixel\n"
                + "pipeline.target.pixel.device-id=AAAAAAA-BBBBBBB-CCCCCCC-DDDDDDD-EEEEEEE-FFFFFFF-GGGGGGG-HHHHHHH\n"
                + "pipeline.target.pixel.api-key=k\npipeline.target.pixel.syncthing.url=http://admin:" + SECRET + "@127.0.0.1:8384\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pipeline.target.pixel.syncthing.url")
                .hasMessageNotContaining(SECRET);
    }

    @Test
    void printedSettingsMaskTheDatabaseUrl() throws Exception {
        Settings s = load("pipeline.db.url=jdbc:postgresql://db.example/media?user=anna&password=" + SECRET + "\n");
        assertThat(s.describe().get("pipeline.db.url")).contains("db.example/media").doesNotContain(SECRET);
        assertThat(s.describe().toString()).doesNotContain(SECRET);
    }

    @Test
    void ledgerErrorAndDoctorDoNotShowTheDatabasePassword() throws Exception {
        String cfg = "pipeline.db.url=jdbc:postgresql://anna:" + SECRET + "@127.0.0.1:1/media?password=" + SECRET + "\n";
        Settings s = load(cfg);
        assertThatThrownBy(() -> Database.open(s)).hasMessageContaining("pipeline.db.url").hasMessageNotContaining(SECRET);

        Path file = app.resolve("doctor.properties");
        Files.writeString(file, "pipeline.home=" + app.resolve("home") + "\n" + cfg);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream was = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Doctor.run(() -> io.mediapipeline.Application.load(app, file, System.getenv(), System.getProperties()));
        } finally {
            System.setOut(was);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(rc).as(text).isEqualTo(1);
        assertThat(text).contains("FAIL  database").doesNotContain(SECRET);
    }
}
