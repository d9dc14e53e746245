package io.mediapipeline.pixel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ledger.Claim;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.Hasher;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaKind;
import io.mediapipeline.ops.Activity;
import io.mediapipeline.ops.Metrics;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import io.mediapipeline.syncthing.SyncthingClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Live Photo staged for the Pixel as one Motion Photo (real tools, real ledger) never reaches the phone's folder
 * unrecorded: a crash after the build and before the rows commit leaves only a temp Syncthing ignores, which the next
 * start removes, and the retry delivers exactly one file; a crash after the rows and before the name is finished by
 * the next start. With Motion Photos off, a half placed in the bridge and not recorded is recorded where it is by the
 * next start, never staged a second time.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MotionPhotoStagingTest {

    private static final PixelConfig.Motion TOOLS = new PixelConfig.Motion(true, "ffmpeg", "ffprobe", "exiftool",
            "heif-convert", Duration.ofSeconds(60));

    @TempDir
    static Path tmp;
    private static Database db;
    private static Ledger ledger;
    private static PixelConfig config;

    private Path bridge;
    private SyncthingClient syncthing;
    private DefaultCamelContext camel;

    /** The JVM dies at the named moment of recording a Motion Photo. */
    private static final class Crash extends RuntimeException {
        Crash(String when) {
            super("crash " + when);
        }
    }

    @BeforeAll
    static void open() throws Exception {
        PipelineHome home = new PipelineHome(tmp);
        db = home.openLedger();
        ledger = new Ledger(db.dataSource());
        Settings s = PipelineHome.loadSettings(tmp, "pipeline.target.pixel.enabled=true\npipeline.target.pixel.folder-id=pixel\n"
                + "pipeline.target.pixel.device-id=P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2\n",
                Map.of("PIPELINE_TARGET_PIXEL_API_KEY", "k"));
        config = PixelConfig.from(s);
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @BeforeEach
    void start(org.junit.jupiter.api.TestInfo test) throws Exception {
        bridge = tmp.resolve("bridge-" + test.getTestMethod().orElseThrow().getName());
        // refuses every call: a batch that closes here records its scan as failed
        syncthing = SyncthingClient.standalone("http://127.0.0.1:9", "k");
        camel = new DefaultCamelContext();
    }

    @AfterEach
    void stop() throws Exception {
        syncthing.close();
        camel.close();
    }

    /** A fresh stager over {@code pixel}, as a start of the pipeline makes it (its folder prepared). */
    private PixelStager stager(PixelLedger pixel) throws Exception {
        return stager(pixel, new MotionPhoto(TOOLS), 100);
    }

    /** As above, with Motion Photos off when {@code motion} is null, and batches of at most {@code maxFiles}. */
    private PixelStager stager(PixelLedger pixel, MotionPhoto motion, int maxFiles) throws Exception {
        PixelConfirmer confirmer = new PixelConfirmer(pixel, syncthing, new RunContext(ledger, "once", "test"),
                config.proof(), new Metrics());
        PixelStager stager = new PixelStager(pixel, ledger, new Activity(), confirmer, new RunContext(ledger, "once", "test"),
                new PixelConfig.Staging(bridge, maxFiles, 1L << 30, 1L << 40, 0), new Metrics(), motion);
        stager.prepareFolder(true);
        return stager;
    }

    /**
     * A Live Photo pair (JPEG still + H.264 movie, {@code size} so each test's bytes are its own) stored as originals
     * and paired; returns the still's sha256.
     */
    private String livePhoto(String stem, String size) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("originals-" + stem));
        Tools.run(dir, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=" + size, "-frames:v", "1", stem + ".JPG");
        Tools.run(dir, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=rate=10:size=" + size, "-t", "1",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "mov", stem + ".MOV");
        UUID still = stored(dir.resolve(stem + ".JPG"), MediaKind.PHOTO, "jpg", "image/jpeg");
        UUID movie = stored(dir.resolve(stem + ".MOV"), MediaKind.VIDEO, "mov", "video/quicktime");
        ledger.rows("update media_files set live_pair_id = ? where id = ? returning id", movie, still);
        ledger.rows("update media_files set live_pair_id = ? where id = ? returning id", still, movie);
        return Hasher.sha256(dir.resolve(stem + ".JPG"));
    }

    private UUID stored(Path file, MediaKind kind, String ext, String mime) throws Exception {
        MediaInfo info = new MediaInfo(kind, ext, ext, mime, 160, 120, null, 0, false, null, null, null, null, null, null);
        Claim c = ledger.claim(Hasher.sha256(file), Files.size(file), info, "folder", file.getFileName().toString(),
                file.toString());
        ledger.rows("update media_files set status = 'ingested', original_path = ? where id = ? returning id",
                file.toString(), c.mediaId());
        return c.mediaId();
    }

    /** A ledger with which the JVM dies while a Motion Photo is recorded: before its rows commit, or right after. */
    private static PixelLedger crashing(boolean afterCommit) {
        return new PixelLedger(db.dataSource()) {
            @Override
            public boolean addMotionPhoto(UUID still, UUID movie, UUID batchId, String path, long size, String sha256) {
                if (afterCommit) {
                    super.addMotionPhoto(still, movie, batchId, path, size, sha256);
                }
                throw new Crash(afterCommit ? "after the rows commit" : "before the rows commit");
            }
        };
    }

    private Exchange queued(String sha) {
        Exchange ex = new DefaultExchange(camel);
        ex.getIn().setHeader(Exchange.FILE_NAME_ONLY, sha + ".jpg");
        return ex;
    }

    /** What Syncthing would send: files under the bridge with no dot name on the way (.stignore and hidden). */
    private List<Path> forThePhone() throws Exception {
        try (Stream<Path> s = Files.walk(bridge)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> Stream.of(bridge.relativize(p).toString().split("/")).noneMatch(n -> n.startsWith(".")))
                    .toList();
        }
    }

    private List<Path> temps() throws Exception {
        try (Stream<Path> s = Files.walk(bridge)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".mp-tmp")).toList();
        }
    }

    private List<Map<String, Object>> deliveries(String stillSha) {
        return ledger.rows("""
                select d.staged_path, d.delivered_as, d.delivered_sha256 from deliveries d
                  join media_files m on m.id = d.media_file_id or m.live_pair_id = d.media_file_id
                 where m.sha256 = ? and d.target = 'pixel'""", stillSha);
    }

    @Test
    void aCrashBetweenBuildAndRecordLeavesNothingForThePhoneAndTheRetryDeliversOneFile() throws Exception {
        String sha = livePhoto("IMG_0700", "160x120");
        PixelLedger crashing = crashing(false);

        PixelStager crashed = stager(crashing);
        assertThatThrownBy(() -> crashed.stage(queued(sha))).isInstanceOf(Crash.class);

        assertThat(forThePhone()).as("nothing Syncthing would send while the ledger knows nothing").isEmpty();
        assertThat(deliveries(sha)).isEmpty();
        crashed.prepareFolder(false);
        assertThat(temps()).as("another node at work: a build like this may be its own").isNotEmpty();

        PixelStager restarted = stager(new PixelLedger(db.dataSource()));
        assertThat(temps()).as("the start removed the unrecorded build").isEmpty();
        restarted.stage(queued(sha));

        List<Path> sent = forThePhone();
        assertThat(sent).as("exactly one Motion Photo for the pair").hasSize(1);
        assertThat(sent.get(0).getFileName().toString()).isEqualTo("IMG_0700.MP.jpg");
        assertThat(deliveries(sha)).as("both halves, one file").hasSize(2).allSatisfy(d -> {
            assertThat(d.get("staged_path")).isEqualTo(sent.get(0).toString());
            assertThat(d.get("delivered_as")).isEqualTo("motion-photo");
            assertThat(d.get("delivered_sha256")).isEqualTo(Hasher.sha256(sent.get(0)));
        });
        assertThat(temps()).isEmpty();
    }

    @Test
    void aCrashBetweenRecordAndNameIsFinishedByTheNextStart() throws Exception {
        String sha = livePhoto("IMG_0800", "176x144");
        PixelLedger crashing = crashing(true);

        assertThatThrownBy(() -> stager(crashing).stage(queued(sha))).isInstanceOf(Crash.class);
        List<Map<String, Object>> rows = deliveries(sha);
        assertThat(rows).hasSize(2);
        Path recorded = Path.of((String) rows.get(0).get("staged_path"));
        assertThat(recorded).as("recorded, not yet named").doesNotExist();
        assertThat(forThePhone()).isEmpty();

        PixelStager restarted = stager(new PixelLedger(db.dataSource()));
        restarted.stage(queued(sha)); // the queue file stayed: already delivered, nothing new

        assertThat(forThePhone()).containsExactly(recorded);
        assertThat(Hasher.sha256(recorded)).isEqualTo(rows.get(0).get("delivered_sha256"));
        assertThat(temps()).isEmpty();
    }

    /**
     * Motion Photos off, one file per batch: a Live Photo's movie is placed beside its still and the JVM dies before
     * the movie's row commits. Syncthing may have sent the copy already, so the next start records it where it is;
     * staging it again (the interrupted batch is full and closes, so in a new one) would give the phone two.
     */
    @Test
    void aCopyPlacedAndNotRecordedIsRecordedWhereItIsAndNotStagedAgain() throws Exception {
        String still = livePhoto("IMG_0900", "128x96");
        String movie = Hasher.sha256(tmp.resolve("originals-IMG_0900/IMG_0900.MOV"));
        PixelLedger crashing = new PixelLedger(db.dataSource()) {
            @Override
            public boolean addDelivery(UUID mediaId, UUID batchId, String stagedPath, long size) {
                if (stagedPath.endsWith(".mov")) {
                    throw new Crash("before the movie's row commits");
                }
                return super.addDelivery(mediaId, batchId, stagedPath, size);
            }
        };
        assertThatThrownBy(() -> stager(crashing, null, 1).stage(queued(still))).isInstanceOf(Crash.class);
        List<Path> placed = forThePhone();
        assertThat(placed).as("both halves placed, one recorded").hasSize(2);
        assertThat(deliveries(still)).hasSize(1);

        // the next stager (this node restarted, or another that took over) takes up the interrupted batch
        PixelLedger pixel = new PixelLedger(db.dataSource());
        PixelStager restarted = stager(pixel, null, 1);
        Endpoint queue = camel.getEndpoint("direct:pixel-queue");
        restarted.begin(null, queue);
        restarted.stage(queued(movie)); // its queue file stayed
        restarted.commit(null, queue, 1);

        assertThat(forThePhone()).as("each half once, where it was first placed").containsExactlyInAnyOrderElementsOf(placed);
        assertThat(deliveries(still)).as("both halves recorded at their copies").hasSize(2).allSatisfy(d -> {
            Path copy = Path.of((String) d.get("staged_path"));
            assertThat(placed).contains(copy);
            assertThat(d.get("delivered_as")).isEqualTo("original");
        });
        assertThat(ledger.rows("select 1 from deliveries d join media_files m on m.id = d.media_file_id"
                + " where m.sha256 = ? and d.target = 'pixel'", movie)).as("the movie once").hasSize(1);
        assertThat(new BridgeStrays(bridge, pixel).adopt()).as("nothing left to record").isZero();
    }

    /**
     * Leadership moves: A stages into batch X; B takes over, closes X, places a file in a new batch Y and dies before
     * recording it; A leads again. A takes up the ledger's open batch Y (not the X it remembers), records B's copy where
     * it is, and stages nothing twice.
     */
    @Test
    void aStagerThatLeadsAgainTakesUpTheBatchAnotherLeftOpen() throws Exception {
        String first = plainPhoto("lead-1.jpg", "96x64");
        String second = plainPhoto("lead-2.jpg", "96x72");
        Endpoint queue = camel.getEndpoint("direct:pixel-queue");
        PixelStager a = stager(new PixelLedger(db.dataSource()), null, 100);
        a.begin(null, queue);
        a.stage(queued(first));

        PixelStager b = stager(new PixelLedger(db.dataSource()) {
            @Override
            public boolean addDelivery(UUID mediaId, UUID batchId, String stagedPath, long size) {
                throw new Crash("before the second file's row commits");
            }
        }, null, 100);
        b.begin(null, queue);
        b.commit(null, queue, 0); // nothing new: B closes the batch A began
        b.begin(null, queue);
        assertThatThrownBy(() -> b.stage(queued(second))).isInstanceOf(Crash.class);

        a.begin(null, queue);
        a.stage(queued(second)); // its queue file stayed
        a.commit(null, queue, 1);

        assertThat(forThePhone()).as("each file once").hasSize(2);
        for (String sha : List.of(first, second)) {
            List<Map<String, Object>> rows = ledger.rows("select d.staged_path from deliveries d join media_files m"
                    + " on m.id = d.media_file_id where m.sha256 = ? and d.target = 'pixel'", sha);
            assertThat(rows).hasSize(1);
            assertThat(Hasher.sha256(Path.of((String) rows.get(0).get("staged_path")))).isEqualTo(sha);
        }
    }

    /** A stored JPEG ({@code size} so each is its own), not part of a Live Photo; returns its sha256. */
    private String plainPhoto(String name, String size) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("originals-" + name));
        Tools.run(dir, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=" + size, "-frames:v", "1", name);
        stored(dir.resolve(name), MediaKind.PHOTO, "jpg", "image/jpeg");
        return Hasher.sha256(dir.resolve(name));
    }
}
