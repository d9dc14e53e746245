package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static io.mediapipeline.support.PipelineHome.sha;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mediapipeline.Application;
import io.mediapipeline.demo.LoopbackPair;
import io.mediapipeline.fixture.FixtureLibrary;
import io.mediapipeline.fixture.IcloudFixture;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.LivePhotoFiles;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.QuickCleanup;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Live Photo travels as one item through every stage of the app's `once` (all real: ffmpeg, exiftool, x265, the
 * embedded ledger, two Syncthing instances on loopback as the phone, the iCloud fixture): the still and its movie end
 * in one sorted/ folder under one stem, by the still's date even where the movie's own date is the day before; both
 * are compressed with the pairing id kept; the phone gets both originals; iCloud holds both (two assets, as the web
 * protocol has no pair upload); both are verified and cleaned together. A second pair's movie comes a run later:
 * it joins its still in sorted/, reaches the phone and iCloud, and the still, verified meanwhile, is cleaned only
 * with it.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LivePhotoIT {

    private static final String USER = "ines.moreau@example.com";
    private static final String ID_A = "5B0E2D41-7C3A-4F19-9E62-8D1B0A4C7F31";
    private static final String ID_B = "C2F7A9E0-3D51-4B8C-A176-0E9D4B2C6F58";
    /** The phone's hold after confirmation, shortened from 7 days to about 4 seconds. */
    private static final String HOLD_DAYS = "0.00005";

    @TempDir
    Path tmp;

    @Test
    void aLivePhotoIsOneItemEverywhereAndALateHalfJoinsItsPair() throws Exception {
        PipelineHome p = new PipelineHome(tmp.resolve("p"));
        Path inbox = p.home().resolve("inbox/icloud/default/2024/05/02");
        // the still was taken at 00:30 on 2 May at UTC+2; its movie's QuickTime date is UTC, still 1 May
        LivePhotoFiles.still(tmp.resolve("made"), inbox, "IMG_0100.JPG", ID_A, "2024:05:02 00:30:00", "+02:00", "testsrc2");
        LivePhotoFiles.movie(tmp.resolve("made"), inbox, "IMG_0100.MOV", ID_A, "2024-05-01T22:30:00Z", "testsrc2");
        LivePhotoFiles.still(tmp.resolve("made"), inbox, "IMG_0200.JPG", ID_B, "2024:05:02 09:00:00", "+02:00", "mandelbrot");

        try (IcloudFixture fixture = new IcloudFixture();
             LoopbackPair pair = LoopbackPair.start(tmp.resolve("st"), p.home().resolve("bridge/pixel"))) {
            fixture.writeSession(p.home().resolve("state/icloud-cookies/default"), USER);
            pair.pipelineSettings().forEach(p::set);
            p.set("pipeline.source.folder.enabled", "false")
                    .set("pipeline.source.inbox.poll-seconds", "1")
                    .set("pipeline.source.icloud.username", USER)
                    .set("pipeline.timezone", "UTC")
                    .set("pipeline.compress.enabled", "true")
                    .set("pipeline.target.icloud.enabled", "true")
                    .set("pipeline.target.icloud.setup-url", fixture.setupUrl().toString())
                    .set("pipeline.target.icloud.poll-seconds", "1")
                    .set("pipeline.target.icloud.proof.poll-initial-ms", "100")
                    .set("pipeline.target.icloud.proof.poll-max-ms", "500")
                    .set("pipeline.target.icloud.proof.timeout-seconds", "30")
                    .set("pipeline.target.icloud.proof.download-share-percent", "100")
                    .set("pipeline.target.icloud.once-wait-seconds", "60")
                    .set("pipeline.target.icloud.live-pair-wait-seconds", "3")
                    .set("pipeline.target.pixel.phone.url", pair.phone().url())
                    .set("pipeline.target.pixel.phone.api-key", pair.phone().apiKey())
                    .set("pipeline.target.pixel.hold-days", HOLD_DAYS)
                    .set("pipeline.target.pixel.confirm-poll-ms", "200")
                    .set("pipeline.target.pixel.confirm-max-backoff-seconds", "1")
                    .set("pipeline.target.pixel.once-wait-seconds", "60")
                    .set("pipeline.target.pixel.live-pair-wait-seconds", "3");
            QuickCleanup.on(p, pair);

            // run 1: pair A whole, pair B's still alone (its movie is not there yet)
            p.once();
            Path day = p.sorted().resolve("photos/2024/05/02");
            Map<String, Map<String, Object>> m = media(p);
            assertThat(m).containsOnlyKeys("IMG_0100.JPG", "IMG_0100.MOV", "IMG_0200.JPG");
            assertPlaced(m.get("IMG_0100.JPG"), day.resolve("IMG_0100.JPG"));
            assertPlaced(m.get("IMG_0100.MOV"), day.resolve("IMG_0100.MOV"));
            assertPlaced(m.get("IMG_0200.JPG"), day.resolve("IMG_0200.JPG"));
            assertThat(p.sorted().resolve("videos")).as("the movie is not filed apart by its own date").doesNotExist();
            assertThat(m.get("IMG_0100.JPG").get("live_pair_id")).isEqualTo(m.get("IMG_0100.MOV").get("id"));
            assertThat(m.get("IMG_0100.MOV").get("live_pair_id")).isEqualTo(m.get("IMG_0100.JPG").get("id"));
            // what goes to iCloud keeps the pairing id in both halves
            assertThat(Tools.run(tmp, "exiftool", "-s3", "-Apple:MediaGroupUUID", uploaded(m.get("IMG_0100.JPG"))))
                    .contains(ID_A);
            assertThat(Tools.run(tmp, "exiftool", "-s3", "-Keys:ContentIdentifier", uploaded(m.get("IMG_0100.MOV"))))
                    .contains(ID_A);
            assertThat(m.get("IMG_0100.MOV").get("compress_decision")).isEqualTo("compressed");
            // the phone holds both originals of pair A, staged in one batch
            assertThat(m.get("IMG_0100.JPG").get("batch_id")).isNotNull().isEqualTo(m.get("IMG_0100.MOV").get("batch_id"));
            awaitOnPhone(pair, m, "IMG_0100.JPG", "IMG_0100.MOV", "IMG_0200.JPG");
            // iCloud holds both halves, byte for byte what was sent, confirmed by read-back
            assertInIcloud(fixture.library(USER), m, "IMG_0100.JPG", "IMG_0100.MOV", "IMG_0200.JPG");

            // run 2, after the phone's hold: pair A verified and cleaned together; B's movie arrives now
            awaitHoldOver(p, m, "IMG_0100.JPG", "IMG_0100.MOV");
            lookAgainNow(p);
            LivePhotoFiles.movie(tmp.resolve("made"), inbox, "IMG_0200.MOV", ID_B, "2024-05-02T07:00:00Z", "mandelbrot");
            p.once();
            m = media(p);
            assertThat(m.get("IMG_0100.JPG").get("status")).isEqualTo("cleaned");
            assertThat(m.get("IMG_0100.MOV").get("status")).isEqualTo("cleaned");
            assertTrashed(p, m.get("IMG_0100.JPG"));
            assertTrashed(p, m.get("IMG_0100.MOV"));
            assertPlaced(m.get("IMG_0200.MOV"), day.resolve("IMG_0200.MOV"));
            assertThat(m.get("IMG_0200.JPG").get("live_pair_id")).isEqualTo(m.get("IMG_0200.MOV").get("id"));
            awaitOnPhone(pair, m, "IMG_0200.MOV");
            assertInIcloud(fixture.library(USER), m, "IMG_0200.MOV");
            assertThat(m.get("IMG_0200.JPG").get("status")).as("its movie is not proven yet: the still waits")
                    .isIn("archived", "verified");
            assertThat(Path.of((String) m.get("IMG_0200.JPG").get("staged_path"))).as("its bridge copy stays").exists();

            // run 3, after the movie's hold: the late pair is cleaned together
            awaitHoldOver(p, m, "IMG_0200.MOV");
            lookAgainNow(p);
            assertThat(p.once()).as("all done").isEqualTo(Application.EXIT_OK);
            m = media(p);
            assertThat(m.get("IMG_0200.JPG").get("status")).isEqualTo("cleaned");
            assertThat(m.get("IMG_0200.MOV").get("status")).isEqualTo("cleaned");
            assertTrashed(p, m.get("IMG_0200.JPG"));
            assertTrashed(p, m.get("IMG_0200.MOV"));
            assertThat(fixture.library(USER).assets()).as("one asset per half, none twice").hasSize(4);
            for (Map<String, Object> f : m.values()) {
                assertThat(Path.of((String) f.get("original_path"))).as("originals stay").exists();
                assertThat(sha(Path.of((String) f.get("original_path")))).isEqualTo(f.get("sha256"));
            }
        }
    }

    /** Polls the ledger until the phone's hold (pipeline.target.pixel.hold-days) of every named file is over. */
    private static void awaitHoldOver(PipelineHome p, Map<String, Map<String, Object>> m, String... names) {
        try (Database db = p.openLedger()) {
            for (String n : names) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).alias(n + "'s hold on the phone")
                        .until(() -> !query(db, """
                                select 1 from deliveries where target = 'pixel' and media_file_id = ?
                                   and hold_until is not null and hold_until <= now()""", m.get(n).get("id")).isEmpty());
            }
        }
    }

    /** Verify set its next look a minute ahead (recheck-minutes) while the hold ran: the test moves the clock to it. */
    private static void lookAgainNow(PipelineHome p) {
        try (Database db = p.openLedger()) {
            query(db, "update media_files set verify_after = null where status = 'archived' returning id");
        }
    }

    private static Map<String, Map<String, Object>> media(PipelineHome p) {
        try (Database db = p.openLedger()) {
            return query(db, """
                    select m.id, m.original_name, m.sha256, m.status, m.original_path, m.archive_path, m.live_pair_id,
                           m.compress_decision, m.compressed_path, px.batch_id, px.staged_path, ic.state as icloud,
                           ic.uploaded_path, ic.uploaded_sha256, ic.asset_record, ic.master_record
                      from media_files m
                      left join deliveries px on px.media_file_id = m.id and px.target = 'pixel'
                      left join deliveries ic on ic.media_file_id = m.id and ic.target = 'icloud'""")
                    .stream().collect(Collectors.toMap(r -> (String) r.get("original_name"), r -> r, (a, b) -> a,
                            TreeMap::new));
        }
    }

    private static void assertPlaced(Map<String, Object> f, Path where) throws Exception {
        assertThat(f.get("archive_path")).as(f.toString()).isEqualTo(where.toString());
        assertThat(sha(where)).isEqualTo(f.get("sha256"));
    }

    /** The copy that went (or goes) to iCloud: the compressed one, or the original the gate kept. */
    private static String uploaded(Map<String, Object> f) {
        return (String) ("compressed".equals(f.get("compress_decision")) ? f.get("compressed_path") : f.get("original_path"));
    }

    private static void awaitOnPhone(LoopbackPair pair, Map<String, Map<String, Object>> m, String... names)
            throws Exception {
        Set<String> want = Set.of(names).stream().map(n -> (String) m.get(n).get("sha256")).collect(Collectors.toSet());
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Set<String> onPhone = Set.of();
        while (System.nanoTime() < end) {
            onPhone = files(pair.phoneFolder()).stream().filter(f -> !f.toString().contains("/.st"))
                    .map(PipelineHome::sha).collect(Collectors.toSet());
            if (onPhone.containsAll(want)) {
                return;
            }
            Thread.sleep(200);
        }
        assertThat(onPhone).as("the phone holds the originals of " + List.of(names)).containsAll(want);
    }

    private static void assertInIcloud(FixtureLibrary library, Map<String, Map<String, Object>> m, String... names)
            throws Exception {
        for (String n : names) {
            Map<String, Object> f = m.get(n);
            assertThat(f.get("icloud")).as(n + " in iCloud: " + f).isEqualTo("confirmed");
            FixtureLibrary.Asset asset = library.asset((String) f.get("asset_record")).orElseThrow();
            assertThat(asset.masterRef()).isEqualTo(f.get("master_record"));
            assertThat(library.master(asset.masterRef()).orElseThrow().bytes())
                    .isEqualTo(Files.readAllBytes(Path.of(uploaded(f))));
            assertThat(f.get("uploaded_sha256")).isEqualTo(sha(Path.of(uploaded(f))));
        }
    }

    /** The bridge copy went to trash/, byte for byte; the archive copy stays. */
    private static void assertTrashed(PipelineHome p, Map<String, Object> f) throws Exception {
        Path staged = Path.of((String) f.get("staged_path"));
        assertThat(staged).doesNotExist();
        Path inTrash = p.home().resolve("trash").resolve(p.home().relativize(staged));
        assertThat(sha(inTrash)).isEqualTo(f.get("sha256"));
        assertThat(Path.of((String) f.get("archive_path"))).exists();
    }
}
