package io.mediapipeline.icloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The account key scheme, validation naming the key, the refusals, and the command lines built from it. */
class IcloudConfigTest {

    @TempDir
    Path app;

    private Settings load(String overrides, Map<String, String> env) throws Exception {
        return PipelineHome.loadSettings(app, overrides, env);
    }

    /** The settings as the stage checks them at start: each refusal names its key, wherever it is found. */
    private IcloudConfig config(String overrides, Map<String, String> env) throws Exception {
        return IcloudConfig.from(load(overrides, env));
    }

    @Test
    void severalAccountsWithOwnKeysAndPasswordsFromTheEnvironment() throws Exception {
        Settings s = load("""
                pipeline.source.icloud.enabled=true
                pipeline.source.icloud.accounts=anna,ben
                pipeline.source.icloud.until-found=50
                pipeline.source.icloud.account.anna.username=anna@example.com
                pipeline.source.icloud.account.ben.username=ben@example.com
                pipeline.source.icloud.account.ben.skip-videos=true
                pipeline.source.icloud.account.ben.size=original,adjusted
                """, Map.of("PIPELINE_SOURCE_ICLOUD_ACCOUNT_ANNA_PASSWORD", "secret-a",
                "PIPELINE_SOURCE_ICLOUD_ACCOUNT_BEN_PASSWORD", "secret-b"));
        IcloudConfig cfg = IcloudConfig.from(s);
        assertThat(cfg.accounts()).extracting(IcloudConfig.Account::name).containsExactly("anna", "ben");
        IcloudConfig.Account anna = cfg.account("anna");
        IcloudConfig.Account ben = cfg.account("ben");
        assertThat(anna.password()).isEqualTo("secret-a");
        assertThat(ben.password()).isEqualTo("secret-b");
        assertThat(anna.cookieDir()).isEqualTo(app.resolve("data/state/icloud-cookies/anna"));
        assertThat(ben.downloadDir()).isEqualTo(app.resolve("data/icloud/ben"));
        assertThat(anna.skipVideos()).isFalse();
        assertThat(ben.skipVideos()).isTrue();
        assertThat(ben.untilFound()).isEqualTo("50");
        List<String> cmd = IcloudCommand.download(cfg.binary(), ben);
        assertThat(String.join(" ", cmd)).contains("--username ben@example.com", "--password-provider console",
                "--size original --size adjusted", "--skip-videos", "--until-found 50", "--log-level info");
        assertThat(cmd).doesNotContain("secret-b", "-p", "--password");
        assertThat(anna.toString()).doesNotContain("secret");
        assertThat(s.describe().get("pipeline.source.icloud.account.anna.password")).isEqualTo("******");
    }

    @Test
    void accountKeysAreCheckedAndNamed() {
        assertThatThrownBy(() -> config("pipeline.source.icloud.accounts=anna\npipeline.source.icloud.account.anna.usrname=x\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pipeline.source.icloud.account.anna.usrname");
        assertThatThrownBy(() -> config("pipeline.source.icloud.account.carl.username=c@example.com\n", Map.of()))
                .hasMessageContaining("pipeline.source.icloud.account.carl.username").hasMessageContaining("not listed");
        assertThatThrownBy(() -> config("""
                pipeline.source.icloud.enabled=true
                pipeline.source.icloud.accounts=anna
                pipeline.source.icloud.account.anna.username=a@example.com
                pipeline.source.icloud.account.anna.recent=lots
                """, Map.of())).hasMessageContaining("pipeline.source.icloud.account.anna.recent");
        assertThatThrownBy(() -> config("pipeline.source.icloud.enabled=true\n", Map.of()))
                .hasMessageContaining("pipeline.source.icloud.username");
        assertThatThrownBy(() -> config("pipeline.source.icloud.enabled=true\npipeline.source.icloud.username=a@b.c\n"
                + "pipeline.source.icloud.schedule=every night\n", Map.of()))
                .hasMessageContaining("pipeline.source.icloud.schedule");
        assertThatThrownBy(() -> config("pipeline.source.icloud.enabled=true\npipeline.source.icloud.username=a@b.c\n"
                + "pipeline.source.icloud.live-photo-size=huge\n", Map.of()))
                .hasMessageContaining("pipeline.source.icloud.live-photo-size");
    }

    @Test
    void secretsAndDeletingAreRefusedInExtraFlags() {
        for (String flag : List.of("-p x", "--password=x", "--auto-delete", "--keep-icloud-recent-days 0", "--mfa-provider webui")) {
            assertThatThrownBy(() -> config("pipeline.source.icloud.enabled=true\npipeline.source.icloud.username=a@b.c\n"
                    + "pipeline.source.icloud.extra-flags=" + flag + "\n", Map.of()))
                    .as(flag).hasMessageContaining("pipeline.source.icloud.extra-flags");
        }
    }

    /** icloudpd's option parser reads an unambiguous prefix as the whole option, and -pSECRET as -p SECRET. */
    @Test
    void abbreviatedDeniedFlagsAreRefusedInExtraFlags() throws Exception {
        for (String flag : List.of("--keep-icloud-rec 0", "--keep-icloud-rec=0", "--delete-after", "--auto-del",
                "--password-prov=webui", "--passw x", "--cookie-dir /tmp/c", "-pSecret", "--only-print", "--smtp-pass=x")) {
            assertThatThrownBy(() -> config("pipeline.source.icloud.enabled=true\npipeline.source.icloud.username=a@b.c\n"
                    + "pipeline.source.icloud.extra-flags=" + flag + "\n", Map.of()))
                    .as(flag).hasMessageContaining("pipeline.source.icloud.extra-flags")
                    .hasMessageContaining("not allowed");
        }
        assertThatThrownBy(() -> config("pipeline.source.icloud.enabled=true\npipeline.source.icloud.username=a@b.c\n"
                + "pipeline.source.icloud.extra-flags=--keep-icloud-rec=0\n", Map.of()))
                .hasMessageContaining("--keep-icloud-rec (read by icloudpd as --keep-icloud-recent-days)");
        // flags that are no prefix of a denied one still pass
        IcloudConfig ok = IcloudConfig.from(load("pipeline.source.icloud.enabled=true\npipeline.source.icloud.username=a@b.c\n"
                + "pipeline.source.icloud.extra-flags=--skip-photos --align-raw original --xmp-sidecar\n",
                Map.of("PIPELINE_SOURCE_ICLOUD_PASSWORD", "x")));
        assertThat(ok.accounts().get(0).extraFlags()).containsExactly("--skip-photos", "--align-raw", "original", "--xmp-sidecar");
    }

    @Test
    void aMissingPasswordNamesTheEnvironmentVariable() throws Exception {
        assertThat(IcloudConfig.withoutSecrets(load("pipeline.source.icloud.enabled=true\npipeline.source.icloud.username=a@b.c\n", Map.of()))
                .missingPassword()).contains("pipeline.source.icloud.password", "PIPELINE_SOURCE_ICLOUD_PASSWORD");
        assertThat(IcloudConfig.withoutSecrets(load("pipeline.source.icloud.enabled=true\npipeline.source.icloud.accounts=ben\n"
                + "pipeline.source.icloud.account.ben.username=b@b.c\n", Map.of())).missingPassword())
                .contains("PIPELINE_SOURCE_ICLOUD_ACCOUNT_BEN_PASSWORD");
        assertThat(IcloudConfig.withoutSecrets(load("pipeline.source.icloud.enabled=true\npipeline.source.icloud.username=a@b.c\n",
                Map.of("PIPELINE_SOURCE_ICLOUD_PASSWORD", "x"))).missingPassword()).isNull();
    }

    @Test
    void theStageRefusesToStartWithoutThePasswordOrWithTheOldLoginPageKeys() {
        assertThatThrownBy(() -> config("pipeline.source.icloud.enabled=true\npipeline.source.icloud.username=a@b.c\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("pipeline.source.icloud.password").hasMessageContaining("PIPELINE_SOURCE_ICLOUD_PASSWORD");
        for (String old : java.util.List.of("pipeline.source.icloud.login.port=8765\n",
                "pipeline.source.icloud.login.token=0123456789abcdef0123456789abcdef-old\n")) {
            assertThatThrownBy(() -> config("pipeline.source.icloud.enabled=true\npipeline.source.icloud.username=a@b.c\n"
                    + old, Map.of("PIPELINE_SOURCE_ICLOUD_PASSWORD", "x")))
                    .isInstanceOf(ConfigException.class).hasMessageContaining(old.substring(0, old.indexOf('=')))
                    .hasMessageContaining("moved to the dashboard at /signin").hasMessageNotContaining("0123456789abcdef");
        }
    }

    @Test
    void moveModeRefusesToStartBecauseItDeletesWithoutProof() {
        assertThatThrownBy(() -> config("pipeline.source.icloud.move-mode.enabled=true\n", Map.of()))
                .hasMessageContaining("pipeline.source.icloud.move-mode.enabled")
                .hasMessageContaining("pipeline.target.icloud.removal.enabled");
    }

    @Test
    void cookiesStayUnderState() {
        assertThatThrownBy(() -> config("pipeline.source.icloud.enabled=true\npipeline.source.icloud.username=a@b.c\n"
                + "pipeline.source.icloud.cookie-dir=/tmp/cookies\n", Map.of()))
                .hasMessageContaining("pipeline.source.icloud.cookie-dir");
    }
}
