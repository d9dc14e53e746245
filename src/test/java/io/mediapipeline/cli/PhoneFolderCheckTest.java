package io.mediapipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.mediapipeline.cli.IcloudUploadCheck.Finding;
import io.mediapipeline.cli.IcloudUploadCheck.Level;
import io.mediapipeline.support.PipelineHome;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** doctor's check of the phone's folder, against a fake phone Syncthing: only with bridge cleanup on. */
class PhoneFolderCheckTest {

    private static final String PHONE = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2";

    @TempDir
    Path app;
    HttpServer phone;
    volatile String folder = "{\"type\":\"receiveonly\",\"ignoreDelete\":true}";
    volatile String keySeen;

    @BeforeEach
    void start() throws Exception {
        phone = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        phone.createContext("/rest/config/folders/pixel", ex -> {
            keySeen = ex.getRequestHeaders().getFirst("X-API-Key");
            byte[] b = folder.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        phone.start();
    }

    @AfterEach
    void stop() {
        phone.stop(0);
    }

    private Optional<Finding> check(String more) throws Exception {
        return PhoneFolderCheck.check(PipelineHome.loadSettings(app, "pipeline.target.pixel.enabled=true\n"
                + "pipeline.target.pixel.folder-id=pixel\npipeline.target.pixel.device-id=" + PHONE + "\n" + more,
                Map.of("PIPELINE_TARGET_PIXEL_API_KEY", "k", "PIPELINE_TARGET_PIXEL_PHONE_API_KEY", "phone-key")));
    }

    @Test
    void saysWhetherThePhonesFolderIgnoresDeletes() throws Exception {
        String url = "pipeline.target.pixel.phone.url=http://127.0.0.1:" + phone.getAddress().getPort() + "\n";
        assertThat(check(url)).as("bridge cleanup off: nothing to check").isEmpty();
        assertThat(check("pipeline.cleanup.bridge=true\n")).hasValueSatisfying(f -> {
            assertThat(f.level()).isEqualTo(Level.WARN);
            assertThat(f.fix()).contains("pipeline.target.pixel.phone.url");
        });

        assertThat(check("pipeline.cleanup.bridge=true\n" + url).orElseThrow().level()).isEqualTo(Level.OK);
        assertThat(keySeen).isEqualTo("phone-key");

        folder = "{\"type\":\"receiveonly\",\"ignoreDelete\":false}";
        Finding unsafe = check("pipeline.cleanup.bridge=true\n" + url).orElseThrow();
        assertThat(unsafe.level()).isEqualTo(Level.FAIL);
        assertThat(unsafe.detail()).contains("does not ignore deletes");

        phone.stop(0);
        Finding away = check("pipeline.cleanup.bridge=true\n" + url).orElseThrow();
        assertThat(away.level()).isEqualTo(Level.WARN);
        assertThat(away.detail()).contains("cannot check");
    }
}
