import static io.mediapipeline.support.PipelineHome.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mediapipeline.Application;
import io.mediapipeline.demo.LoopbackPair;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.demo.LoopbackPair;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * The closing-note figure: time from staging to confirmation of one N-file batch on a loopback pair,
 * split into Syncthing's part (scan -> the server learns the phone has every file) and the pipeline's
 * polling overhead (that moment -> the last confirmation). Runs only with -Dpixel.bench.files=N
 * Run by bench/pixel, with java's single-file source launcher on the project's test classpath: a
 * measurement, not a test, so it stays out of the suite. The files are ingested first with the Pixel
 * off, so that one `once` with the Pixel on stages them all from work/pixel/ in one batch.
 */
public final class PixelBench {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Arguments: N (files), POLL_MS (confirm poll interval), TMP (an empty working directory). */
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        String pollMs = args[1];
        Path tmp = Paths.get(args[2]);
        stagingToConfirmation(n, pollMs, tmp);
        // Camel and the embedded database leave non-daemon threads behind; the figures are printed
        System.exit(0);
    }

    private static void stagingToConfirmation(int n, String pollMs, Path tmp) throws Exception {
        PipelineHome p = new PipelineHome(tmp.resolve("p")).set("pipeline.ingest.parallelism", "2");
        // ~30-60 KB JPEGs, each different
        Tools.run(p.library(), "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x480:rate=10",
                "-frames:v", String.valueOf(n), "-q:v", "3", "img_%05d.jpg");
        int ingest = Application.run(new String[] {"once", "--config", p.config().toString()});
        check(ingest == 0 || ingest == 3, "ingest run exited " + ingest + ", expected 0 or 3");

        try (LoopbackPair pair = LoopbackPair.start(tmp.resolve("st"), p.home().resolve("bridge/pixel"))) {
            pair.pipelineSettings().forEach(p::set);
            p.set("pipeline.target.pixel.confirm-poll-ms", pollMs).set("pipeline.target.pixel.once-wait-seconds", "120")
                    .set("pipeline.target.pixel.batch.max-files", String.valueOf(Math.max(n, 1)));
            // subscribe before anything happens: an event mask only sees events after its first request
            pair.rest(pair.phone(), "GET", "/rest/events?events=ItemFinished&since=0&timeout=0", null);
            pair.rest(pair.server(), "GET", "/rest/events?events=RemoteIndexUpdated&since=0&timeout=0", null);
            long wall = System.nanoTime();
            int delivery = Application.run(new String[] {"once", "--config", p.config().toString()});
            check(delivery == 0, "delivery run exited " + delivery + ", expected 0");
            double wallS = (System.nanoTime() - wall) / 1e9;

            Instant phoneLast = Instant.MIN;
            int finished = 0;
            for (JsonNode e : JSON.readTree(pair.rest(pair.phone(), "GET", "/rest/events?events=ItemFinished&since=0&timeout=0", null))) {
                if ("file".equals(e.path("data").path("type").asText()) && e.path("data").path("error").isNull()) {
                    finished++;
                    phoneLast = max(phoneLast, OffsetDateTime.parse(e.path("time").asText()).toInstant());
                }
            }
            Instant serverKnows = Instant.MIN;
            for (JsonNode e : JSON.readTree(pair.rest(pair.server(), "GET", "/rest/events?events=RemoteIndexUpdated&since=0&timeout=0", null))) {
                serverKnows = max(serverKnows, OffsetDateTime.parse(e.path("time").asText()).toInstant());
            }
            try (Database db = p.openLedger()) {
                List<Map<String, Object>> batches = query(db, "select closed_at, scanned_at, file_count from batches");
                Map<String, Object> d = query(db, """
                        select min(created_at) as first_staged, max(created_at) as last_staged,
                               max(confirmed_at) as last_confirmed, count(*) filter (where state = 'confirmed') as confirmed
                          from deliveries""").get(0);
                int confirmed = ((Number) d.get("confirmed")).intValue();
                check(confirmed == n, confirmed + " of " + n + " deliveries confirmed");
                Instant firstStaged = ts(d.get("first_staged"));
                Instant lastConfirmed = ts(d.get("last_confirmed"));
                Instant closed = batches.stream().map(b -> ts(b.get("closed_at"))).max(Instant::compareTo).orElseThrow();
                Instant scanned = batches.stream().map(b -> ts(b.get("scanned_at"))).max(Instant::compareTo).orElseThrow();
                ObjectNode r = JSON.createObjectNode();
                r.put("files", n);
                r.put("batches", batches.size());
                r.put("bytes", Files.walk(p.home().resolve("bridge/pixel")).filter(Files::isRegularFile)
                        .filter(f -> !f.getFileName().toString().startsWith(".")).mapToLong(f -> f.toFile().length()).sum());
                r.put("confirmPollMs", Integer.parseInt(pollMs));
                r.put("phoneItemsFinished", finished);
                r.put("stagingS", secs(firstStaged, closed));
                r.put("scanS", secs(closed, scanned));
                r.put("syncthingTransferS", secs(scanned, phoneLast));
                r.put("syncthingIndexBackS", secs(phoneLast, serverKnows));
                r.put("syncthingTotalS", secs(scanned, serverKnows));
                r.put("pollingOverheadS", secs(serverKnows, lastConfirmed));
                r.put("stagedToConfirmedS", secs(firstStaged, lastConfirmed));
                r.put("closedToConfirmedS", secs(closed, lastConfirmed));
                r.put("onceWallS", wallS);
                r.put("host", Runtime.getRuntime().availableProcessors() + " CPUs");
                Path results = PipelineHome.projectDir().resolve("bench/results");
                Files.createDirectories(results);
                Path out = results.resolve("pixel-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                        .format(OffsetDateTime.now(ZoneOffset.UTC)) + ".json");
                JSON.writeValue(out.toFile(), r);
                System.out.println("PIXEL-BENCH " + r.toString());
                System.out.println("PIXEL-BENCH written to " + out);
            }
        }
    }

    private static void check(boolean ok, String problem) {
        if (!ok) {
            throw new IllegalStateException(problem);
        }
    }

    private static Instant ts(Object o) {
        return o instanceof Timestamp t ? t.toInstant() : ((OffsetDateTime) o).toInstant();
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static double secs(Instant from, Instant to) {
        return Math.round((to.toEpochMilli() - from.toEpochMilli()) / 10.0) / 100.0;
    }
}
