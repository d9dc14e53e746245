package io.mediapipeline.icloud;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.config.Settings;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.RequiredTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every flag the pipeline can pass (all options switched on) must exist in the REAL icloudpd's --help
 * (the npm build in .tools, installed by `bin/media-pipeline setup`).
 */
class RealIcloudpdFlagsTest {

    @TempDir
    Path tmp;

    @Test
    void everyFlagWePassExistsInTheRealHelp() throws Exception {
        Path binary = PipelineHome.projectDir().resolve(".tools/node_modules/@icloudpd/linux-x64/bin/icloudpd");
        RequiredTools.need(Files.isRegularFile(binary), "the real icloudpd at " + binary);
        if (!Files.isExecutable(binary)) {
            binary.toFile().setExecutable(true, false);
        }
        Path cfg = tmp.resolve("all.properties");
        Files.writeString(cfg, """
                pipeline.home=%s
                pipeline.source.icloud.enabled=true
                pipeline.source.icloud.username=a@example.com
                pipeline.source.icloud.password=not-used
                pipeline.source.icloud.recent=10
                pipeline.source.icloud.until-found=5
                pipeline.source.icloud.size=original,adjusted
                pipeline.source.icloud.live-photo-size=medium
                pipeline.source.icloud.skip-videos=true
                pipeline.source.icloud.skip-live-photos=true
                pipeline.source.icloud.file-match-policy=name-id7
                pipeline.source.icloud.set-exif-datetime=true
                pipeline.source.icloud.album=Family
                pipeline.source.icloud.library=PrimarySync
                """.formatted(tmp.resolve("home")));
        Settings s = Settings.load(PipelineHome.projectDir(), cfg, Map.of(), new Properties());
        IcloudConfig icloud = IcloudConfig.from(s);
        IcloudConfig.Account a = icloud.accounts().get(0);
        Set<String> ours = IcloudCommand.flags(List.of(IcloudCommand.download(binary, a), IcloudCommand.login(binary, a)));

        Path tmpdir = Files.createDirectories(tmp.resolve("tmpdir"));
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), "--help").redirectErrorStream(true);
        pb.environment().put("TMPDIR", tmpdir.toString());
        Process p = pb.start();
        String help = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Set<String> real = new TreeSet<>();
        Matcher m = Pattern.compile("(?<![\\w-])--[a-z][a-z0-9-]*[a-z0-9]").matcher(help);
        while (m.find()) {
            real.add(m.group());
        }
        System.out.println("icloudpd --help lists " + real.size() + " flags; the pipeline passes " + ours + "; version: "
                + version(binary, tmpdir));
        assertThat(ours).hasSizeGreaterThan(15);
        assertThat(real).as("flags of the real icloudpd").containsAll(ours);
        assertThat(real).as("flags the stand-in icloudpd accepts").containsAll(standInFlags());
        // the choices we pass are the real ones too
        assertThat(help).contains("console", "name-id7", "name-size-dedup-with-suffix", "adjusted", "medium");
        assertThat(files(tmpdir)).as("TMPDIR emptied by icloudpd on a normal exit").isZero();
    }

    /** The long options the stand-in's parser knows (its KNOWN_VALUE and KNOWN_SWITCH sets). */
    private static Set<String> standInFlags() throws Exception {
        String script;
        try (var in = RealIcloudpdFlagsTest.class.getResourceAsStream("/icloudpd-standin/icloudpd")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Matcher sets = Pattern.compile("(?s)KNOWN_(?:VALUE|SWITCH) = \\{(.*?)\\}").matcher(script);
        Set<String> out = new TreeSet<>();
        while (sets.find()) {
            Matcher f = Pattern.compile("\"(--[a-z0-9-]+)\"").matcher(sets.group(1));
            while (f.find()) {
                out.add(f.group(1));
            }
        }
        assertThat(out).as("the stand-in's option sets were found").hasSizeGreaterThan(30);
        return out;
    }

    private static long files(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.count();
        }
    }

    private static String version(Path binary, Path tmpdir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true);
        pb.environment().put("TMPDIR", tmpdir.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }
}
