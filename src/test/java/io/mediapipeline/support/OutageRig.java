package io.mediapipeline.support;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What an outage campaign needs around a running service: a steady trickle of new photos into the folder source,
 * a PATH of symlinks a tool can be taken off, a small data directory (tmpfs) that can be filled to the last byte,
 * the health endpoint and `doctor` as an operator asks them, and the table of faults the campaign prints.
 */
public final class OutageRig {

    private OutageRig() {
    }

    /** Moves one prepared photo a period into the source folder (a rename, so the source never sees half a file). */
    public static final class Trickle implements AutoCloseable {
        private final List<Path> pool;
        private final Path library;
        private final long periodMillis;
        private final List<Added> added = new CopyOnWriteArrayList<>();
        private final Thread thread;
        private volatile boolean stop;

        /** A photo handed to the source: its name there and its bytes' SHA-256. */
        public record Added(Path file, String sha256) {
        }

        public Trickle(Path pool, Path library, Duration period) throws IOException {
            this.pool = new ArrayList<>(PipelineHome.files(pool));
            this.library = library;
            this.periodMillis = period.toMillis();
            this.thread = new Thread(this::loop, "outage-trickle");
            thread.setDaemon(true);
        }

        public Trickle start() {
            thread.start();
            return this;
        }

        private void loop() {
            for (Path next : pool) {
                if (stop) {
                    return;
                }
                try {
                    String sha = PipelineHome.sha(next);
                    Path to = library.resolve(next.getFileName());
                    Files.move(next, to, StandardCopyOption.ATOMIC_MOVE);
                    added.add(new Added(to, sha));
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        /** Hands one more file over now, beside the trickle (a video, say, that needs a tool photos do not). */
        public Added handOver(Path file) throws IOException {
            String sha = PipelineHome.sha(file);
            Path to = library.resolve(file.getFileName());
            Files.move(file, to, StandardCopyOption.ATOMIC_MOVE);
            Added a = new Added(to, sha);
            added.add(a);
            return a;
        }

        public int count() {
            return added.size();
        }

        public List<Added> added() {
            return List.copyOf(added);
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.interrupt();
            thread.join();
        }
    }

    /** A directory of symlinks to every program in /usr/local/bin, /usr/bin and /bin: a PATH a tool can leave. */
    public static final class ToolShelf {
        private final Path dir;
        private final Map<String, Path> removed = new LinkedHashMap<>();

        public ToolShelf(Path dir) throws IOException {
            this.dir = Files.createDirectories(dir);
            for (String from : List.of("/usr/local/bin", "/usr/bin", "/bin")) {
                if (!Files.isDirectory(Path.of(from))) {
                    continue;
                }
                try (DirectoryStream<Path> s = Files.newDirectoryStream(Path.of(from))) {
                    for (Path p : s) {
                        Path link = dir.resolve(p.getFileName().toString());
                        if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                            Files.createSymbolicLink(link, p);
                        }
                    }
                }
            }
        }

        public String path() {
            return dir.toString();
        }

        public void remove(String tool) throws IOException {
            Path link = dir.resolve(tool);
            removed.put(tool, Files.readSymbolicLink(link));
            Files.delete(link);
        }

        public void restore(String tool) throws IOException {
            Files.createSymbolicLink(dir.resolve(tool), removed.remove(tool));
        }
    }

    /** A tmpfs of a few MiB as the data directory (mounted as root); fill() takes its last byte. */
    public static final class SmallDisk implements AutoCloseable {
        private final Path mount;
        private final Path filler;

        private SmallDisk(Path mount) {
            this.mount = mount;
            this.filler = mount.resolve(".outage-filler");
        }

        /** Mounts a tmpfs of that many MiB at dir; fails the test with mount's words when it cannot. */
        public static SmallDisk mount(Path dir, int mib) throws IOException, InterruptedException {
            Files.createDirectories(dir);
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + mib + "m,mode=0755", "tmpfs",
                    dir.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("cannot mount a tmpfs at " + dir + " (the disk-full fault needs root): " + out);
            }
            return new SmallDisk(dir);
        }

        public Path root() {
            return mount;
        }

        /** Writes until the file system says it is full (ENOSPC); returns the bytes written. */
        public long fill() throws IOException {
            long written = 0;
            byte[] block = new byte[64 << 10];
            try (OutputStream out = Files.newOutputStream(filler)) {
                while (true) {
                    out.write(block);
                    written += block.length;
                }
            } catch (IOException e) {
                if (Files.getFileStore(mount).getUsableSpace() > block.length) {
                    throw e; // not the full disk we wanted
                }
                return written;
            }
        }

        public void free() throws IOException {
            Files.deleteIfExists(filler);
        }

        @Override
        public void close() throws IOException, InterruptedException {
            Process p = new ProcessBuilder("umount", "-l", mount.toString()).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** GET on the management port with the bearer token: status and body, or -1 and the error when it does not answer. */
    public record Http(int status, String body) {
        public static Http get(int port, String token, String path) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(20)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                return new Http(r.statusCode(), r.body());
            } catch (IOException e) {
                return new Http(-1, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Http(-1, e.toString());
            }
        }
    }

    /** `doctor` of the packaged jar on that --config file, with that environment: its exit code and output. */
    public record DoctorRun(int rc, String out) {
        public static DoctorRun of(Path config, Path out, Map<String, String> env) throws IOException, InterruptedException {
            Process p = AppProcess.start("doctor", config, out, env);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("doctor did not end within 120 s: " + Files.readString(out));
            }
            return new DoctorRun(p.exitValue(), Files.readString(out));
        }
    }

    /** A fault's injection or clearing. */
    public interface Step {
        void run() throws Exception;
    }

    /** The first column of a query on a ledger database of that PostgreSQL, as text. */
    public static List<String> column(TestPostgres pg, String database, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = pg.ownerConnection(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** A count(*) on a ledger database; -1 while it cannot be read (stopped, say). */
    public static long count(TestPostgres pg, String database, String sql) {
        try {
            return Long.parseLong(column(pg, database, sql).get(0));
        } catch (SQLException e) {
            return -1;
        }
    }

    /** One fault of the campaign as the table shows it. */
    public record Row(String fault, long injectedSeconds, boolean paused, String shown, long resumedSeconds) {
    }

    public static void printTable(String title, List<Row> rows, long wallSeconds) {
        StringBuilder b = new StringBuilder(title).append('\n');
        b.append(String.format("%-34s %9s %7s %-40s %10s%n", "fault", "injected", "paused", "shown in health / doctor",
                "resumed"));
        for (Row r : rows) {
            b.append(String.format("%-34s %7d s %7s %-40s %8d s%n", r.fault(), r.injectedSeconds(),
                    r.paused() ? "yes" : "no", r.shown(), r.resumedSeconds()));
        }
        b.append(String.format("%d fault(s) survived; wall time %d s%n", rows.size(), wallSeconds));
        System.out.print(b);
    }

    /** Keeps the service's log beside the failsafe reports, where it outlives the test's temporary folder. */
    public static void keep(Path log, String testClass) throws IOException {
        Path reports = Files.createDirectories(PipelineHome.projectDir().resolve("target/failsafe-reports"));
        Files.copy(log, reports.resolve(testClass + "-service.log"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Text of a log from an offset on (what the service said since a moment). */
    public static String since(Path log, long offset) {
        try {
            byte[] all = Files.readAllBytes(log);
            return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset));
        } catch (IOException e) {
            return "";
        }
    }

    /** The distinct WARN and ERROR lines of a log's text, without their time stamps, at most eight. */
    public static List<String> warnings(String text) {
        return text.lines().filter(l -> l.contains(" WARN ") || l.contains(" ERROR "))
                .map(l -> l.replaceFirst("^\\S+ \\S+ ", "")).map(l -> l.length() > 220 ? l.substring(0, 220) + "..." : l)
                .distinct().limit(8).toList();
    }

    public static long size(Path log) {
        try {
            return Files.size(log);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Waits for the condition; on time-out fails with what and the log's tail. */
    public static void await(String what, Duration limit, Path log, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                String text = since(log, 0);
                throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting for: " + what
                        + "\nlog tail:\n" + text.substring(Math.max(0, text.length() - 6000)));
            }
            Thread.sleep(250);
        }
    }
}
