import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mediapipeline.config.Settings;
import io.mediapipeline.fixture.IcloudFixture;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.icloud.IcloudAccounts;
import io.mediapipeline.icloud.IcloudConfig;
import io.mediapipeline.icloud.IcloudDownloader;
import io.mediapipeline.icloud.IcloudStore;
import io.mediapipeline.icloud.upload.UploadParts;
import io.mediapipeline.icloud.upload.UploadBatch;
import io.mediapipeline.icloud.upload.UploadConfig;
import io.mediapipeline.icloud.web.IcloudWebClient;
import io.mediapipeline.icloud.web.PhotosWeb;
import io.mediapipeline.icloud.web.SessionCopy;
import io.mediapipeline.ledger.Claim;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.Hasher;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaKind;
import io.mediapipeline.ops.Activity;
import io.mediapipeline.ops.Metrics;
import io.mediapipeline.support.PipelineHome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.springframework.util.FileSystemUtils;

/**
 * What the iCloud upload costs over the bare transfer. N files of photo-like sizes go through the upload stage's
 * real parts (picker, uploader, prover and the session holder, wired as UploadStage wires them, with the real
 * IcloudWebClient and SessionCopy) against the test fixture's iCloud on loopback, over the embedded ledger; the
 * baseline sends the same bytes with java.net.http alone (reserve + send, no ledger, no proof). Then one large file
 * goes up once while the heap is watched, to show that nothing holds a whole file in memory.
 *
 * The fixture keeps every upload in its own memory, so it runs in a child JVM (this file started with
 * {@code --fixture}): the heap figures are this JVM's alone. Run by bench/icloud with java's source launcher on the
 * test classpath: a measurement, not a test. The stage's parts are wired by UploadParts, as the stage wires them.
 */
public final class IcloudBench {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String USER = "bench.user@example.com";

    /** Arguments: N, LARGE_MB, TMP, CLASSPATH; or --fixture COOKIE_DIR (the child serving the fixture). */
    public static void main(String[] args) throws Exception {
        if (args[0].equals("--fixture")) {
            serveFixture(Paths.get(args[1]));
            return;
        }
        int n = Integer.parseInt(args[0]);
        int largeMb = Integer.parseInt(args[1]);
        new IcloudBench(Paths.get(args[2]), args[3]).run(n, largeMb);
        // the embedded database's pool and the HTTP clients leave non-daemon threads behind; figures are printed
        System.exit(0);
    }

    /** The child: one fixture, signed in for USER, until its standard input closes. */
    private static void serveFixture(Path cookieDir) throws Exception {
        try (IcloudFixture fixture = new IcloudFixture()) {
            fixture.writeSession(cookieDir, USER);
            System.out.println("FIXTURE " + fixture.setupUrl());
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the parent to close the pipe
            }
        }
    }

    private final Path tmp;
    private final String classpath;
    private final PipelineHome home;
    private final Path cookieDir;
    private Database db;
    private Ledger ledger;
    private int fileCount;

    private IcloudBench(Path tmp, String classpath) {
        this.tmp = tmp;
        this.classpath = classpath;
        this.home = new PipelineHome(tmp.resolve("p"));
        this.cookieDir = home.home().resolve("state/icloud-cookies/default");
    }

    private void run(int n, int largeMb) throws Exception {
        db = home.openLedger();
        ledger = new Ledger(db.dataSource());
        Random random = new Random(42);
        List<Path> setA = new ArrayList<>();
        List<Path> setB = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            setA.add(photo(random, "a"));
            setB.add(photo(random, "b"));
        }
        ObjectNode r = JSON.createObjectNode();
        r.put("files", n);
        r.put("bytesPerSet", setA.stream().mapToLong(IcloudBench::size).sum());
        r.put("host", Runtime.getRuntime().availableProcessors() + " CPUs, java " + System.getProperty("java.version")
                + ", max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB");
        // the baseline first and last: the faster of the two is the figure, so JIT warm-up does not favour a side
        ObjectNode base1 = baseline(setA);
        r.set("pipelineShare0", pipeline(setA, 0));
        r.set("pipelineShare100", pipeline(setB, 100));
        ObjectNode base2 = baseline(setA);
        ObjectNode base = base1.get("wallS").asDouble() <= base2.get("wallS").asDouble() ? base1 : base2;
        base.put("otherRunWallS", (base == base1 ? base2 : base1).get("wallS").asDouble());
        r.set("baseline", base);
        for (String k : List.of("pipelineShare0", "pipelineShare100")) {
            ((ObjectNode) r.get(k)).put("ratioToBaseline",
                    round(r.get(k).get("totalWallS").asDouble() / base.get("wallS").asDouble()));
        }
        if (largeMb > 0) {
            r.set("large", large(largeMb));
        }
        Path results = PipelineHome.projectDir().resolve("bench/results");
        Files.createDirectories(results);
        Path out = results.resolve("icloud-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .format(OffsetDateTime.now(ZoneOffset.UTC)) + ".json");
        JSON.writeValue(out.toFile(), r);
        System.out.println("ICLOUD-BENCH " + JSON.copy().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r));
        System.out.println("ICLOUD-BENCH written to " + out);
        db.close();
    }

    // ---- the pipeline: the stage's real parts ----

    private ObjectNode pipeline(List<Path> files, int sharePercent) throws Exception {
        List<UUID> ids = new ArrayList<>();
        for (Path f : files) {
            ids.add(record(f));
        }
        try (Child child = Child.start(classpath, cookieDir, tmp)) {
            UploadParts p = parts(child.setupUrl, sharePercent);
            try {
                PhotosWeb web = p.signIn("default");
                long start = System.nanoTime();
                int batches = 0;
                for (UploadBatch b = p.uploader().pickBatch(); b != null; b = p.uploader().pickBatch()) {
                    batches++;
                    b.getGroups().forEach(p.uploader()::upload);
                    p.uploader().finishBatch(b);
                }
                long uploaded = System.nanoTime();
                prove(p, ids.size());
                long proved = System.nanoTime();
                ObjectNode o = figures(ids, start, uploaded, proved, batches, sharePercent);
                o.set("lookupAloneMs", lookups(web, ids));
                return o;
            } finally {
                p.close();
            }
        }
    }

    /** Proof passes, as the prove-icloud timer makes them, until every file has left 'registered' (or 10 min). */
    private void prove(UploadParts p, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (!ledger.rows("select 1 from deliveries where target = 'icloud' and state = 'registered'").isEmpty()
                && System.nanoTime() < deadline) {
            p.prover().check();
            Thread.sleep(5);
        }
    }

    private ObjectNode figures(List<UUID> ids, long start, long uploaded, long proved, int batches, int share)
            throws IOException {
        List<Double> upload = new ArrayList<>();
        List<Instant> confirmed = new ArrayList<>();
        for (UUID id : ids) {
            Map<String, Object> d = ledger.rows("select state, last_error, evidence::text as e from deliveries"
                    + " where media_file_id = ? and target = 'icloud'", id).stream().findFirst().orElseThrow(
                    () -> new IllegalStateException("no iCloud delivery for " + id));
            if (!"confirmed".equals(d.get("state"))) {
                throw new IllegalStateException(id + " ended " + d.get("state") + ": " + d.get("last_error"));
            }
            JsonNode e = JSON.readTree((String) d.get("e"));
            if (share == 100 && !e.hasNonNull("downloadedSha256")) {
                throw new IllegalStateException(id + " confirmed without being downloaded back: " + e);
            }
            upload.add(millis(Instant.parse(e.get("reservedAt").asText()), Instant.parse(e.get("registeredAt").asText())));
            confirmed.add(Instant.parse(e.get("confirmedAt").asText()));
        }
        // the prover decides one file after another, so the gaps between confirmations are each file's proof time
        confirmed.sort(null);
        List<Double> proof = new ArrayList<>();
        Instant proofStart = Instant.now().minusNanos(System.nanoTime() - uploaded);
        for (Instant c : confirmed) {
            proof.add(millis(proofStart, c));
            proofStart = c;
        }
        int n = ids.size();
        ObjectNode o = JSON.createObjectNode();
        o.put("downloadSharePercent", share);
        o.put("batches", batches);
        o.put("uploadWallS", secs(uploaded - start));
        o.put("proofWallS", secs(proved - uploaded));
        o.put("totalWallS", secs(proved - start));
        o.put("filesPerS", round(n / ((proved - start) / 1e9)));
        o.put("msPerFileTotal", round((proved - start) / 1e6 / n));
        o.set("uploadMs", stats(upload));
        o.set("proofMs", stats(proof));
        return o;
    }

    /** The stage's parts on bench settings, wired as the stage wires them. */
    private UploadParts parts(String setupUrl, int sharePercent) throws Exception {
        ledger.rows("delete from icloud_attempts returning id");
        ledger.rows("delete from icloud_accounts returning account");
        FileSystemUtils.deleteRecursively(home.home().resolve("state/icloud-upload"));
        home.set("pipeline.source.icloud.username", USER)
                .set("pipeline.target.icloud.enabled", "true")
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.target.icloud.setup-url", setupUrl)
                .set("pipeline.target.icloud.proof.poll-initial-ms", "1")
                .set("pipeline.target.icloud.proof.poll-max-ms", "5")
                .set("pipeline.target.icloud.proof.timeout-seconds", "60")
                .set("pipeline.target.icloud.proof.download-share-percent", String.valueOf(sharePercent))
                .set("pipeline.target.icloud.max-files-per-run", "100000")
                .set("pipeline.target.icloud.max-files-per-day", "100000")
                .set("pipeline.source.icloud.max-attempts-per-hour", "1000");
        Settings s = home.settings();
        UploadConfig cfg = UploadConfig.from(s);
        IcloudConfig icloud = IcloudConfig.withoutSecrets(s);
        Metrics metrics = new Metrics();
        RunContext run = new RunContext(ledger, "once", "bench");
        IcloudAccounts shared = new IcloudDownloader(icloud, new IcloudStore(db.dataSource()), s.home(), new Activity(),
                metrics).accounts();
        return UploadParts.wire(cfg, db.dataSource(), icloud.accounts(), shared, run, metrics);
    }

    /**
     * Each confirmed asset looked up once more, timed alone (the web client's look-up against the fixture, no ledger):
     * how much of a file's proof time is the look-up itself.
     */
    private ObjectNode lookups(PhotosWeb web, List<UUID> ids) throws Exception {
        List<Double> times = new ArrayList<>();
        for (UUID id : ids) {
            String asset = (String) ledger.rows("select asset_record from deliveries where media_file_id = ?"
                    + " and target = 'icloud'", id).get(0).get("asset_record");
            long t = System.nanoTime();
            if (web.lookup(asset).isEmpty()) {
                throw new IllegalStateException("confirmed asset " + asset + " not found on a second look-up");
            }
            times.add((System.nanoTime() - t) / 1e6);
        }
        return stats(times);
    }

    // ---- the baseline: reserve + send with java.net.http, nothing else ----

    private ObjectNode baseline(List<Path> files) throws Exception {
        try (Child child = Child.start(classpath, cookieDir, tmp)) {
            Path own = tmp.resolve("baseline-session-" + UUID.randomUUID());
            Files.createDirectories(own);
            SessionCopy.refresh(cookieDir, own, USER);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            List<Double> perFile = new ArrayList<>();
            List<Double> reserve = new ArrayList<>();
            // signing in is once per run in the pipeline too, outside its timed part
            try (PhotosWeb web = new IcloudWebClient(URI.create(child.setupUrl), Duration.ofSeconds(60)).signIn(own, USER)) {
                long start = System.nanoTime();
                for (Path f : files) {
                    long t = System.nanoTime();
                    PhotosWeb.Reservation r = web.reserve(size(f));
                    reserve.add((System.nanoTime() - t) / 1e6);
                    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(r.url()))
                            .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/octet-stream")
                            .POST(HttpRequest.BodyPublishers.ofFile(f)).build(), HttpResponse.BodyHandlers.ofString());
                    if (answer.statusCode() != 200 || !answer.body().contains("receipt")) {
                        throw new IllegalStateException("baseline upload of " + f + " answered " + answer.statusCode());
                    }
                    perFile.add((System.nanoTime() - t) / 1e6);
                }
                long wall = System.nanoTime() - start;
                ObjectNode o = JSON.createObjectNode();
                o.put("wallS", secs(wall));
                o.put("filesPerS", round(files.size() / (wall / 1e9)));
                o.put("msPerFile", round(wall / 1e6 / files.size()));
                o.set("perFileMs", stats(perFile));
                o.set("reserveMs", stats(reserve));
                return o;
            } finally {
                FileSystemUtils.deleteRecursively(own);
            }
        }
    }

    // ---- one large file: the heap while it goes up and is proven (downloaded back) ----

    private ObjectNode large(int mb) throws Exception {
        Path f = home.home().resolve("originals/large_" + mb + "MB.MOV");
        Files.createDirectories(f.getParent());
        // random bytes, written in 1 MB pieces so that the bench itself never holds the file
        Random random = new Random(7);
        byte[] piece = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(f)) {
            for (int i = 0; i < mb; i++) {
                random.nextBytes(piece);
                out.write(piece);
            }
        }
        piece = null;
        UUID id = record(f);
        System.gc();
        long before = heapUsed();
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        ObjectNode o;
        try (Child child = Child.start(classpath, cookieDir, tmp)) {
            UploadParts p = parts(child.setupUrl, 100);
            try {
                p.signIn("default");
                long start = System.nanoTime();
                for (UploadBatch b = p.uploader().pickBatch(); b != null; b = p.uploader().pickBatch()) {
                    b.getGroups().forEach(p.uploader()::upload);
                    p.uploader().finishBatch(b);
                }
                long uploaded = System.nanoTime();
                prove(p, 1);
                long proved = System.nanoTime();
                o = figures(List.of(id), start, uploaded, proved, 1, 100);
            } finally {
                p.close();
            }
        }
        long peakSum = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.gc();
        o.put("fileMB", mb);
        o.put("heapUsedBeforeMB", mb(before));
        o.put("heapPeakMB", mb(peakSum));
        o.put("heapUsedAfterMB", mb(heapUsed()));
        o.put("maxHeapMB", mb(Runtime.getRuntime().maxMemory()));
        Files.delete(f);
        return o;
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    // ---- files and the ledger ----

    /** Random bytes of a phone photo's size (0.3 to 3.5 MB): the fixture takes any content, and none repeats. */
    private Path photo(Random random, String set) throws IOException {
        byte[] bytes = new byte[300_000 + random.nextInt(3_200_000)];
        random.nextBytes(bytes);
        Path f = home.home().resolve("originals/" + set + "/IMG_" + String.format("%04d", ++fileCount) + ".JPG");
        Files.createDirectories(f.getParent());
        Files.write(f, bytes);
        return f;
    }

    /** The file stored as an original downloaded from iCloud, kept uncompressed: the original is what goes up. */
    private UUID record(Path f) throws IOException {
        String sha = Hasher.sha256(f);
        long size = Files.size(f);
        String name = f.getFileName().toString();
        String sourcePath = home.home().resolve("inbox/icloud/default/2024/" + name).toString();
        MediaInfo info = name.endsWith(".MOV")
                ? new MediaInfo(MediaKind.VIDEO, "mov", "mov", "video/quicktime", 1920, 1080, null, 0, false, null,
                null, null, null, null, null)
                : new MediaInfo(MediaKind.PHOTO, "jpeg", "jpg", "image/jpeg", 4032, 3024, null, 0, false, null, null,
                null, null, null, null);
        Claim claim = ledger.claim(sha, size, info, "icloud", name, sourcePath);
        long run = ledger.openRun("once", "bench");
        long source = ledger.admitSource(run, "icloud", "icloud:" + sha, sourcePath, size).sourceFileId();
        ledger.markIngested(claim.mediaId(), f.toString(), source, sha);
        ledger.rows("""
                update media_files set compress_decision = 'original', captured_at = now() - interval '1 day',
                       capture_offset_min = 60 where id = ? returning id""", claim.mediaId());
        return claim.mediaId();
    }

    // ---- the fixture's JVM ----

    private static final class Child implements AutoCloseable {
        final Process process;
        final String setupUrl;

        private Child(Process process, String setupUrl) {
            this.process = process;
            this.setupUrl = setupUrl;
        }

        static Child start(String classpath, Path cookieDir, Path tmp) throws IOException {
            Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
            Path self = PipelineHome.projectDir().resolve("bench/IcloudBench.java");
            Process p = new ProcessBuilder(java.toString(), "-Xmx3g", "-cp", classpath, self.toString(), "--fixture",
                    cookieDir.toString()).redirectError(tmp.resolve("fixture.log").toFile()).start();
            BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith("FIXTURE ")) {
                    return new Child(p, line.substring("FIXTURE ".length()).trim());
                }
            }
            throw new IllegalStateException("the fixture's JVM did not start; see " + tmp.resolve("fixture.log"));
        }

        @Override
        public void close() throws Exception {
            process.getOutputStream().close();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    // ---- figures ----

    private static ObjectNode stats(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        ObjectNode o = JSON.createObjectNode();
        o.put("median", round(percentile(v, 50)));
        o.put("p95", round(percentile(v, 95)));
        o.put("max", round(v[v.length - 1]));
        o.put("mean", round(Arrays.stream(v).average().orElse(0)));
        return o;
    }

    /** Nearest-rank percentile. */
    private static double percentile(double[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double millis(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e6;
    }

    private static double secs(long nanos) {
        return Math.round(nanos / 1e7) / 100.0;
    }

    private static double round(double d) {
        return Math.round(d * 100) / 100.0;
    }

    private static double mb(long bytes) {
        return Math.round(bytes / 1048576.0 * 10) / 10.0;
    }
}
