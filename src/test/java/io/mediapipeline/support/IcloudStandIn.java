package io.mediapipeline.support;

import io.mediapipeline.proc.ProcessTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The stand-in icloudpd (src/test/resources/icloudpd-standin/icloudpd, a python3 script) and its fake
 * iCloud folder, plus the packaged app started in service mode with extra environment variables, and a
 * watcher that reads every process's command line while the app runs.
 */
public final class IcloudStandIn {

    private final Path root;
    private final Path binary;

    public IcloudStandIn(Path dir) {
        this.root = dir.resolve("fake-icloud");
        this.binary = dir.resolve("bin/icloudpd");
        try (InputStream in = IcloudStandIn.class.getResourceAsStream("/icloudpd-standin/icloudpd")) {
            Files.createDirectories(binary.getParent());
            Files.copy(in, binary, StandardCopyOption.REPLACE_EXISTING);
            if (!binary.toFile().setExecutable(true, false)) {
                throw new IOException("cannot make " + binary + " executable");
            }
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path binary() {
        return binary;
    }

    public Path root() {
        return root;
    }

    /** The fake iCloud of one Apple ID: library/ and marker files. */
    public Path user(String username) {
        Path d = root.resolve(username);
        try {
            Files.createDirectories(d.resolve("library"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return d;
    }

    public void marker(String username, String name, String content) throws IOException {
        Files.writeString(user(username).resolve(name), content);
    }

    public void clear(String username, String name) throws IOException {
        Files.deleteIfExists(user(username).resolve(name));
    }

    /** The stand-in's own record of its runs: lines "epoch start|end mode pid=… …". */
    public List<String> invocations(String username) {
        Path log = user(username).resolve("invocations.log");
        try {
            return Files.isRegularFile(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<String> ends(String username, String mode) {
        return invocations(username).stream().filter(l -> l.contains(" end " + mode + " ")).toList();
    }

    public List<Double> startTimes(String username, String mode) {
        return invocations(username).stream().filter(l -> l.contains(" start " + mode + " "))
                .map(l -> Double.parseDouble(l.substring(0, l.indexOf(' ')))).toList();
    }

    /** The packaged jar in service mode (`run`), output to log, with extra environment variables. */
    /**
     * A pipeline whose only source is this stand-in, one account per (name, username) pair: no scheduled run
     * during a test, so the first attempt is at start and every later one a retry, checked every second.
     */
    public PipelineHome pipeline(Path root, String... namesAndUsernames) {
        List<String> names = new ArrayList<>();
        PipelineHome pipeline = new PipelineHome(root);
        for (int i = 0; i < namesAndUsernames.length; i += 2) {
            names.add(namesAndUsernames[i]);
            pipeline.set("pipeline.source.icloud.account." + namesAndUsernames[i] + ".username", namesAndUsernames[i + 1]);
        }
        return pipeline.set("pipeline.source.folder.enabled", "false")
                .set("pipeline.source.icloud.enabled", "true")
                .set("pipeline.source.icloud.accounts", String.join(",", names))
                .set("pipeline.source.icloud.schedule", "0 0 3 1 1 ? 2099")
                .set("pipeline.source.icloud.run-at-start", "true")
                .set("pipeline.source.icloud.binary", binary().toString())
                .set("pipeline.source.icloud.retry-check-seconds", "1");
    }

    /** Reads /proc/PID/cmdline of every process (and environ of the stand-in's) until closed; collects hits. */
    public static final class ProcWatcher implements AutoCloseable {
        private final String secret;
        private final Path standIn;
        private final Set<String> hits = ConcurrentHashMap.newKeySet();
        private final Set<String> standInSeen = ConcurrentHashMap.newKeySet();
        private final ProcessWatch watch;

        public ProcWatcher(String secret, Path standIn) {
            this.secret = secret;
            this.standIn = standIn;
            this.watch = ProcessWatch.start("proc-watcher", Duration.ofMillis(20), this::scan);
        }

        private void scan() {
            for (long pid : ProcessTable.pids()) {
                String cmdline = ProcessWatch.rawCmdline(pid);
                if (cmdline.contains(secret)) {
                    hits.add(pid + " cmdline: " + cmdline.replace('\0', ' '));
                }
                if (cmdline.contains(standIn.toString())) {
                    String environ = ProcessWatch.environ(pid);
                    if (environ == null) {
                        continue; // gone meanwhile
                    }
                    if (environ.contains(secret)) {
                        hits.add(pid + " environ of icloudpd");
                    }
                    // recorded only once its environment was read too: seen means checked
                    standInSeen.add(pid + " " + cmdline.replace('\0', ' '));
                }
            }
        }

        public Set<String> hits() {
            return hits;
        }

        /** Command lines of stand-in processes seen running, whose command line and environment were both checked. */
        public List<String> standInSeen() {
            return new ArrayList<>(standInSeen);
        }

        public int scans() {
            return watch.scans();
        }

        @Override
        public void close() throws InterruptedException {
            watch.close();
        }
    }

    /** Every file under dir whose content contains the text. */
    public static List<Path> filesContaining(Path dir, String text) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                if (f.toString().contains("/state/postgres")) {
                    continue; // the database files are checked through SQL
                }
                byte[] b = Files.readAllBytes(f);
                if (new String(b, StandardCharsets.ISO_8859_1).contains(text)) {
                    out.add(f);
                }
            }
        }
        return out;
    }
}
