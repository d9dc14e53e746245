package io.mediapipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.LedgerSql;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live Photo pairing on a real ledger: by the Apple content identifier across folders, else by folder and name stem
 * (icloudpd's _HEVC suffix), never two photos, never a half that is paired already; and the name look-up is the
 * index probe the migration made for it, not a scan of every unpaired file.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LivePhotosTest {

    @TempDir
    static Path tmp;

    private static final AtomicInteger SEQ = new AtomicInteger();
    private static Database db;
    private static LedgerSql sql;
    private static LivePhotos live;

    @BeforeAll
    static void open() {
        db = new PipelineHome(tmp).openLedger();
        sql = new LedgerSql(db.dataSource());
        live = new LivePhotos(db.dataSource());
    }

    @AfterAll
    static void close() {
        if (db != null) {
            db.close();
        }
    }

    private static UUID stored(String folder, String name, String kind, String contentId) {
        return sql.inTx(j -> j.queryForObject("""
                insert into media_files (sha256, size, kind, format, extension, source, original_name, source_path,
                                         content_identifier)
                values (?, 1, ?, 'x', 'x', 'icloud', ?, ?, ?) returning id""", UUID.class,
                String.format("%064x", SEQ.incrementAndGet()), kind, name, folder + "/" + name, contentId));
    }

    private static UUID partnerOf(UUID id) {
        return sql.inTx(j -> j.queryForObject("select live_pair_id from media_files where id = ?", UUID.class, id));
    }

    @Test
    void pairsByContentIdentifierAcrossFoldersElseByFolderAndStem() {
        UUID still = stored("/in/a", "IMG_0100.HEIC", "photo", "CID-1");
        UUID movie = stored("/in/b", "clip.mov", "video", "CID-1");
        assertThat(live.pair(movie, "video", "CID-1", "/in/b", "clip")).isEqualTo(still);
        assertThat(partnerOf(still)).isEqualTo(movie);
        assertThat(partnerOf(movie)).isEqualTo(still);

        UUID still2 = stored("/in/c", "IMG_0200.HEIC", "photo", null);
        stored("/in/d", "IMG_0200_HEVC.MOV", "video", null); // another folder: not its half
        UUID movie2 = stored("/in/c", "IMG_0200_HEVC.MOV", "video", null);
        assertThat(live.pair(movie2, "video", null, "/in/c", LivePhotos.stem("IMG_0200_HEVC.MOV"))).isEqualTo(still2);
        assertThat(partnerOf(still2)).isEqualTo(movie2);
    }

    @Test
    void neverTwoPhotosNorAHalfThatIsPairedAlready() {
        UUID first = stored("/in/e", "IMG_0300.JPG", "photo", "CID-3");
        UUID second = stored("/in/e", "IMG_0300.jpeg", "photo", "CID-3");
        assertThat(live.pair(second, "photo", "CID-3", "/in/e", "img_0300")).isNull();
        UUID movie = stored("/in/e", "IMG_0300.MOV", "video", "CID-3");
        assertThat(live.pair(movie, "video", "CID-3", "/in/e", "img_0300")).isEqualTo(first);
        assertThat(partnerOf(second)).isNull();
        // a second movie with that id takes the still that is still unpaired, never the paired one
        UUID again = stored("/in/f", "IMG_0300.MOV", "video", "CID-3");
        assertThat(live.pair(again, "video", "CID-3", "/in/f", "img_0300")).isEqualTo(second);
        assertThat(partnerOf(first)).isEqualTo(movie);
        UUID third = stored("/in/g", "IMG_0300.MOV", "video", "CID-3");
        assertThat(live.pair(third, "video", "CID-3", "/in/g", "img_0300")).as("every still is paired already").isNull();
    }

    @Test
    void twoDifferentContentIdentifiersAreNeverANamePair() {
        UUID still = stored("/in/h", "IMG_0400.HEIC", "photo", "CID-STILL");
        UUID movie = stored("/in/h", "IMG_0400_HEVC.MOV", "video", "CID-OTHER");
        assertThat(live.pair(movie, "video", "CID-OTHER", "/in/h", LivePhotos.stem("IMG_0400_HEVC.MOV")))
                .as("same stem, but the ids say two different Live Photos").isNull();
        assertThat(partnerOf(still)).isNull();
        assertThat(partnerOf(movie)).isNull();
        // a half without an id does not contradict one that has it: the name pairs them
        UUID bare = stored("/in/h", "IMG_0400.MOV", "video", null);
        assertThat(live.pair(bare, "video", "", "/in/h", "img_0400")).isEqualTo(still);
        assertThat(partnerOf(still)).isEqualTo(bare);
    }

    @Test
    void twoMoviesPairingAtOnceAgainstOneStillLeaveLinksThatAgree() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 6; round++) {
                String stem = "img_06" + round;
                UUID still = stored("/in/race", stem + ".JPG", "photo", null);
                UUID first = stored("/in/race", stem + ".MOV", "video", null);
                UUID second = stored("/in/race", stem + "_HEVC.MOV", "video", null);
                // the test holds the still's row so both pairings reach it, then lets them race for it
                try (Connection hold = db.dataSource().getConnection()) {
                    hold.setAutoCommit(false);
                    try (PreparedStatement lock = hold.prepareStatement("select 1 from media_files where id = ? for update")) {
                        lock.setObject(1, still);
                        lock.executeQuery().close();
                    }
                    Future<UUID> a = pool.submit(() -> live.pair(still, "photo", null, "/in/race", stem));
                    Future<UUID> b = pool.submit(() -> live.pair(second, "video", null, "/in/race", stem));
                    await().atMost(Duration.ofSeconds(30)).until(() -> sql.inTx(j -> j.queryForObject(
                            "select count(*) from pg_stat_activity where wait_event_type = 'Lock'", Integer.class)) >= 2);
                    hold.rollback();
                    a.get(30, TimeUnit.SECONDS);
                    b.get(30, TimeUnit.SECONDS);
                }
                UUID of = partnerOf(still);
                assertThat(of).as("round %d: the still is paired", round).isIn(first, second);
                assertThat(partnerOf(of)).as("round %d: its movie points back", round).isEqualTo(still);
                UUID other = of.equals(first) ? second : first;
                assertThat(partnerOf(other)).as("round %d: the other movie is not linked to a taken still", round).isNull();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theNameLookUpIsAnIndexProbe() {
        List<String> plan = sql.inTx(j -> {
            j.execute("set local enable_seqscan = off");
            return j.queryForList("explain " + LivePhotos.BY_NAME, String.class,
                    "img_0100", UUID.randomUUID(), "video", "/in/a", "CID-X", "CID-X");
        });
        assertThat(String.join("\n", plan)).contains("media_files_live_stem_idx");
    }
}
