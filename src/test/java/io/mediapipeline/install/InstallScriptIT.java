package io.mediapipeline.install;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.config.Settings;
import io.mediapipeline.support.PipelineHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd/install.sh into a staging root (--root), from this build (target/media-pipeline.jar, target/lib): what a
 * packager or an operator gets, then a second run as an upgrade.
 */
class InstallScriptIT {

    static final Path PROJECT = PipelineHome.projectDir();
    static final Pattern TOKEN = Pattern.compile("(?m)^PIPELINE_MANAGEMENT_TOKEN=([0-9a-f]+)$");

    @TempDir
    Path tmp;

    @Test
    void installsTheReleaseDataAndSecretsWithPrivateModesAndASecondRunKeepsThem() throws Exception {
        Path root = tmp.resolve("root");
        String first = install(root);
        Path opt = root.resolve("opt/media-pipeline");
        Path etc = root.resolve("etc/media-pipeline");
        Path data = root.resolve("var/lib/media-pipeline");
        Path unit = root.resolve("etc/systemd/system/media-pipeline.service");

        // the release, runnable as the unit starts it
        for (String part : List.of("media-pipeline.jar", "config/application.properties", "routes/20-ingest.camel.yaml",
                "supabase/migrations", "lib")) {
            assertThat(opt.resolve(part)).as(part).exists();
        }
        assertThat(Files.isExecutable(opt.resolve("bin/media-pipeline"))).isTrue();
        assertThat(Files.readString(unit)).isEqualTo(Files.readString(PROJECT.resolve("systemd/media-pipeline.service")));

        assertThat(mode(data)).isEqualTo("rwx------");
        assertThat(mode(etc)).isEqualTo("rwxr-x---");
        // every secret: systemd reads it as root, so nobody else needs to, the service's group neither
        assertEnvIsRootsAlone(etc.resolve("env"));
        assertThat(mode(etc.resolve("media-pipeline.properties"))).isEqualTo("rw-r-----");
        for (String jmx : List.of("jmx.properties", "jmx.password", "jmx.access")) {
            assertThat(mode(etc.resolve(jmx))).as(jmx).isEqualTo("rw-------");
        }
        assertThat(mode(unit)).isEqualTo("rw-r--r--");
        // the service cannot change its own code: nothing in the release is writable by group or others
        try (Stream<Path> all = Files.walk(opt)) {
            List<Path> writable = all.filter(p -> perms(p).contains(PosixFilePermission.GROUP_WRITE)
                    || perms(p).contains(PosixFilePermission.OTHERS_WRITE)).toList();
            assertThat(writable).isEmpty();
        }
        if (isRoot()) {
            assertThat(owner(opt.resolve("media-pipeline.jar"))).isEqualTo("root");
            assertThat(owner(unit)).isEqualTo("root");
            if (userExists("media-pipeline")) {
                assertThat(owner(data)).isEqualTo("media-pipeline");
                assertThat(Files.readAttributes(etc.resolve("media-pipeline.properties"), PosixFileAttributes.class)
                        .group().getName()).isEqualTo("media-pipeline");
                assertThat(owner(etc.resolve("jmx.password"))).isEqualTo("media-pipeline");
            }
        }

        // a token for the dashboard and the metrics, random, never printed; no other secret set
        String env = Files.readString(etc.resolve("env"));
        Matcher m = TOKEN.matcher(env);
        assertThat(m.find()).as(env).isTrue();
        String token = m.group(1);
        assertThat(token).hasSize(64);
        assertThat(env.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList()).hasSize(1);
        assertThat(first).doesNotContain(token);
        for (String line : Files.readAllLines(etc.resolve("jmx.password"))) {
            if (!line.startsWith("#")) {
                assertThat(first).doesNotContain(line.split(" ")[1]);
            }
        }
        // the JMX files name each other as the installed system sees them, not by the staging path
        String jmx = Files.readString(etc.resolve("jmx.properties"));
        assertThat(jmx).contains("password.file=/etc/media-pipeline/jmx.password").doesNotContain(root.toString());

        // the settings file the unit passes with --config: the app accepts it, and every key it suggests
        Settings settings = Settings.load(opt, etc.resolve("media-pipeline.properties"), Map.of(), new Properties());
        assertThat(settings.home()).isEqualTo(Path.of("/var/lib/media-pipeline"));
        Path suggested = tmp.resolve("suggested.properties");
        Files.writeString(suggested, Files.readString(etc.resolve("media-pipeline.properties"))
                .replaceAll("(?m)^#(pipeline\\.[a-z]\\S*=)", "$1"));
        assertThat(Files.readString(suggested)).contains("\npipeline.source.folder.enabled=true");
        Settings.load(opt, suggested, Map.of(), new Properties());

        // the installed unit passes systemd's check too
        SystemdVerify verify = SystemdVerify.of(unit);
        assertThat(verify.clean(unit)).as(verify.output()).isTrue();

        // an operator's edits and the service's data; a route file the new release no longer has
        Files.writeString(etc.resolve("media-pipeline.properties"), "pipeline.source.folder.enabled=true\n",
                java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(data.resolve("ledger-stand-in"), "kept");
        Files.writeString(opt.resolve("routes/99-gone.camel.yaml"), "- route: {id: gone}\n");
        // someone loosened the secrets (and, as root, gave them away): the next run takes that back
        Files.setPosixFilePermissions(etc.resolve("env"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(etc.resolve("media-pipeline.properties"), PosixFilePermissions.fromString("rw-rw-rw-"));
        if (isRoot()) {
            var accounts = etc.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(etc.resolve("env"), accounts.lookupPrincipalByName("nobody"));
            Files.getFileAttributeView(etc.resolve("env"), PosixFileAttributeView.class)
                    .setGroup(accounts.lookupPrincipalByGroupName("nogroup"));
        }
        Map<String, String> before = contents(etc, "env", "media-pipeline.properties", "jmx.properties", "jmx.password",
                "jmx.access");

        String second = install(root);
        assertThat(second).contains("kept " + etc.resolve("env"));
        assertThat(contents(etc, "env", "media-pipeline.properties", "jmx.properties", "jmx.password", "jmx.access"))
                .isEqualTo(before);
        assertThat(Files.readString(data.resolve("ledger-stand-in"))).isEqualTo("kept");
        assertThat(opt.resolve("routes/99-gone.camel.yaml")).doesNotExist();
        assertThat(opt.resolve("routes/20-ingest.camel.yaml")).exists();
        assertThat(mode(data)).isEqualTo("rwx------");
        assertEnvIsRootsAlone(etc.resolve("env"));
        assertThat(mode(etc.resolve("media-pipeline.properties"))).isEqualTo("rw-r-----");
        try (Stream<Path> left = Files.list(opt)) {
            assertThat(left.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".new") || n.endsWith(".old")))
                    .isEmpty();
        }
    }

    @Test
    void anUnknownOptionIsRefused() throws Exception {
        Process p = new ProcessBuilder(PROJECT.resolve("systemd/install.sh").toString(), "--rooot", tmp.toString())
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(tmp.resolve("opt")).doesNotExist();
    }

    private String install(Path root) throws IOException, InterruptedException {
        Path log = Files.createTempFile(tmp, "install", ".log");
        Process p = new ProcessBuilder(PROJECT.resolve("systemd/install.sh").toString(), "--root", root.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("install.sh finished").isTrue();
        String out = Files.readString(log);
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    private static void assertEnvIsRootsAlone(Path env) throws IOException {
        assertThat(mode(env)).isEqualTo("rw-------");
        if (isRoot()) {
            PosixFileAttributes attributes = Files.readAttributes(env, PosixFileAttributes.class);
            assertThat(attributes.owner().getName()).isEqualTo("root");
            assertThat(attributes.group().getName()).isEqualTo("root");
        }
    }

    private static Map<String, String> contents(Path dir, String... names) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String n : names) {
            out.put(n, new String(Files.readAllBytes(dir.resolve(n)), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String mode(Path p) {
        return PosixFilePermissions.toString(perms(p));
    }

    private static java.util.Set<PosixFilePermission> perms(Path p) {
        try {
            return Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String owner(Path p) throws IOException {
        return Files.getOwner(p).getName();
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static boolean userExists(String name) throws IOException {
        return Files.readAllLines(Path.of("/etc/passwd")).stream().map(l -> l.split(":")[0])
                .collect(Collectors.toSet()).contains(name);
    }
}
