package io.mediapipeline.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the management token comes from, and the token files and values that are refused. */
class ManagementTokenTest {

    @TempDir
    Path tmp;

    private Settings settings(String extra, Map<String, String> env) throws Exception {
        return DashboardApp.settings(tmp, extra.isEmpty() ? "pipeline.management.token=\n" : extra, env);
    }

    @Test
    void withoutATokenOneIsMadeAtFirstStartPrivateAndKeptAcrossStarts() throws Exception {
        DashboardConfig cfg = DashboardConfig.from(settings("", Map.of()));
        Path file = cfg.tokenFile();
        assertThat(file).doesNotExist();
        ManagementToken token = ManagementToken.of(cfg);
        String made = Files.readString(file).trim();
        assertThat(made).matches("[0-9a-f]{64}");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        assertThat(token.matches(made)).isTrue();
        assertThat(token.matches(made.substring(1))).isFalse();
        assertThat(ManagementToken.of(cfg).matches(made)).as("the same token after a restart").isTrue();
    }

    @Test
    void aTokenFileOthersCanReadIsRefused() throws Exception {
        DashboardConfig cfg = DashboardConfig.from(settings("", Map.of()));
        ManagementToken.of(cfg);
        Files.setPosixFilePermissions(cfg.tokenFile(), PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> ManagementToken.of(cfg)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("pipeline.management.token-file").hasMessageContaining("chmod 600");
    }

    @Test
    void theEnvironmentWinsAndAShortTokenIsRefusedWithoutShowingIt() throws Exception {
        String fromEnv = "env-token-0123456789abcdef0123456789abcdef";
        DashboardConfig cfg = DashboardConfig.from(settings("pipeline.management.token=\n",
                Map.of("PIPELINE_MANAGEMENT_TOKEN", fromEnv)));
        assertThat(ManagementToken.of(cfg).matches(fromEnv)).isTrue();
        assertThat(cfg.tokenFile()).isNull();
        assertThat(cfg.toString()).doesNotContain(fromEnv);
        assertThatThrownBy(() -> DashboardConfig.from(settings("pipeline.management.token=short-secret-7\n", Map.of())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pipeline.management.token")
                .hasMessageContaining("at least 32").hasMessageNotContaining("short-secret-7");
    }

    @Test
    void aTokenFileThatIsALinkIsRefusedAndAnEmptyFileIsNeverMade() throws Exception {
        DashboardConfig cfg = DashboardConfig.from(settings("", Map.of()));
        Path elsewhere = Files.writeString(tmp.resolve("elsewhere"), "0123456789abcdef0123456789abcdef0123456789\n");
        Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rw-------"));
        Files.createDirectories(cfg.tokenFile().getParent());
        Files.createSymbolicLink(cfg.tokenFile(), elsewhere);
        assertThatThrownBy(() -> ManagementToken.of(cfg)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("symbolic link").hasMessageNotContaining("0123456789abcdef");

        Files.delete(cfg.tokenFile());
        // what a crash between the temporary file and its rename leaves: the next start makes a token as usual
        Files.writeString(cfg.tokenFile().resolveSibling("." + cfg.tokenFile().getFileName() + ".tmp"), "");
        ManagementToken.of(cfg);
        assertThat(Files.readString(cfg.tokenFile()).trim()).matches("[0-9a-f]{64}");
    }

    @Test
    void theOperatorIsToldWhereTheTokenIsNeverTheToken() throws Exception {
        String fromEnv = "env-token-0123456789abcdef0123456789abcdef";
        DashboardConfig env = DashboardConfig.from(settings("pipeline.management.token=\n",
                Map.of("PIPELINE_MANAGEMENT_TOKEN", fromEnv)));
        assertThat(env.tokenOrigin()).isEqualTo("pipeline.management.token from the environment variable PIPELINE_MANAGEMENT_TOKEN");

        String inFile = "file-token-0123456789abcdef0123456789abcdef";
        DashboardConfig property = DashboardConfig.from(settings("pipeline.management.token=" + inFile + "\n", Map.of()));
        assertThat(property.tokenOrigin()).isEqualTo("pipeline.management.token from " + tmp.resolve("dashboard-test.properties"))
                .doesNotContain(inFile);
        assertThat(property.toString()).doesNotContain(inFile);

        DashboardConfig file = DashboardConfig.from(settings("", Map.of()));
        assertThat(file.tokenOrigin()).isEqualTo("the token file " + file.tokenFile());
    }
}
