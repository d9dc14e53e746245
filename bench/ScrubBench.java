import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mediapipeline.flow.Guard;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.scrub.ScrubConfig;
import io.mediapipeline.scrub.ScrubRun;
import io.mediapipeline.scrub.Scrubber;
import io.mediapipeline.support.PipelineHome;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The scrub's read throughput against sha256sum over the same files in the same run. N files of MB in total (random
 * bytes, fixed seed) are written as read-only originals with their sorted/ hard links into a fresh pipeline.home and
 * recorded as archived in its embedded ledger; then, alternating (sha256sum, scrub, scrub, sha256sum), sha256sum
 * reads every original and the scrub reads every file's copies (one inode once, so the same bytes) at no rate cap.
 * The faster round of each is the figure. Both run on a warm page cache (the files were just written): this measures
 * the hashing and the scrub's own work, not the disk. Run by bench/scrub with java's source launcher on the test
 * classpath: a measurement, not a test.
 */
public final class ScrubBench {

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        int mb = Integer.parseInt(args[1]);
        Path work = Paths.get(args[2]);
        PipelineHome pipeline = new PipelineHome(work);
        Path home = pipeline.home();
        long each = Math.max(1, ((long) mb << 20) / n);
        List<Path> originals = new ArrayList<>();
        try (Database db = pipeline.openLedger()) {
            Ledger ledger = new Ledger(db.dataSource());
            JdbcTemplate sql = new JdbcTemplate(db.dataSource());
            Random random = new Random(42);
            byte[] buf = new byte[1 << 20];
            for (int i = 0; i < n; i++) {
                Path original = home.resolve(String.format("originals/2025/%02d/bench_%06d.jpg", i % 12 + 1, i));
                Path sorted = home.resolve(String.format("sorted/photos/2025/%02d/01/bench_%06d.jpg", i % 12 + 1, i));
                Files.createDirectories(original.getParent());
                Files.createDirectories(sorted.getParent());
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                try (OutputStream out = Files.newOutputStream(original)) {
                    for (long left = each; left > 0; ) {
                        int k = (int) Math.min(buf.length, left);
                        random.nextBytes(buf);
                        out.write(buf, 0, k);
                        md.update(buf, 0, k);
                        left -= k;
                    }
                }
                Files.setPosixFilePermissions(original, PosixFilePermissions.fromString("r--r--r--"));
                Files.createLink(sorted, original);
                UUID id = sql.queryForObject("""
                        insert into media_files (sha256, size, kind, format, extension, source, original_name,
                                                 original_path, archive_path)
                        values (?, ?, 'photo', 'jpeg', 'jpg', 'folder', ?, ?, ?) returning id""", UUID.class,
                        HexFormat.of().formatHex(md.digest()), each, original.getFileName().toString(), original.toString(),
                        sorted.toString());
                sql.update("update media_files set status = 'ingested' where id = ?", id);
                sql.update("update media_files set status = 'archived' where id = ?", id);
                originals.add(original);
            }
            RunContext run = new RunContext(ledger, "run", "bench");
            // cycle of one day: every run's share is the whole archive
            ScrubConfig config = new ScrubConfig(true, "0 0 2 * * ?", 1, 0, true, true, home);
            Scrubber scrubber = Scrubber.create(config, db.dataSource(), ledger, Guard.OPEN, run::runId, "bench",
                    Clock.systemUTC(), List::of);
            double sha1 = sha256sum(originals);
            ScrubRun.Figures s1 = scrubber.run();
            ScrubRun.Figures s2 = scrubber.run();
            double sha2 = sha256sum(originals);
            ScrubRun.Figures best = s1.seconds() <= s2.seconds() ? s1 : s2;
            double shaBest = Math.min(sha1, sha2);
            long bytes = each * n;
            if (best.files() != n || best.bytes() != bytes || best.findings() != 0) {
                throw new IllegalStateException("the scrub read " + best.files() + " file(s), " + best.bytes()
                        + " bytes, " + best.findings() + " finding(s); expected " + n + ", " + bytes + ", 0");
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("files", n);
            r.put("bytes", bytes);
            r.put("host", Runtime.getRuntime().availableProcessors() + " CPU(s), java " + System.getProperty("java.version"));
            r.put("scrubSeconds", List.of(round(s1.seconds()), round(s2.seconds())));
            r.put("sha256sumSeconds", List.of(round(sha1), round(sha2)));
            r.put("scrubMBps", round(bytes / 1048576.0 / best.seconds()));
            r.put("sha256sumMBps", round(bytes / 1048576.0 / shaBest));
            r.put("ratio", round(best.seconds() / shaBest));
            ObjectMapper json = new ObjectMapper();
            System.out.println("SCRUB-BENCH " + json.writeValueAsString(r));
            Path results = PipelineHome.projectDir().resolve("bench/results");
            Files.createDirectories(results);
            Path file = results.resolve("scrub-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                    .format(OffsetDateTime.now(ZoneOffset.UTC)) + ".json");
            json.enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), r);
            System.out.println("SCRUB-BENCH written " + file);
        }
    }

    /** Wall seconds of one sha256sum over the files (its output is not kept). */
    private static double sha256sum(List<Path> files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("sha256sum", "--"));
        files.forEach(f -> cmd.add(f.toString()));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("sha256sum failed");
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
