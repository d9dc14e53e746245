package io.mediapipeline.pixel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.flow.TargetProof.State;
import io.mediapipeline.flow.TargetProof.Verdict;
import io.mediapipeline.ledger.Claim;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaKind;
import io.mediapipeline.ops.Metrics;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.syncthing.SyncthingClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Pixel proof against a fake Syncthing (the server's and the phone's REST, as 1.19.2 answers) over a real
 * ledger: only a confirmed file whose hold passed and which the connected phone still has is proven.
 */
class PixelProofTest {

    private static final String PHONE = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2";
    private static final String VERSION = "[{\"id\":\"SERVER1\",\"value\":1}]";
    private static final AtomicInteger N = new AtomicInteger();

    @TempDir
    static Path tmp;
    private static PipelineHome home;
    private static Database db;
    private static Ledger ledger;

    private HttpServer server;
    /** Files (batch/name) the phone has, as availability lists it. */
    private final Set<String> onPhone = ConcurrentHashMap.newKeySet();
    private volatile boolean connected = true;
    private volatile boolean ignoreDelete = true;
    /** The phone drops while Syncthing answers db/file: it is then gone from availability too. */
    private volatile boolean dropOnFileCall;
    /** The phone drops and is back (a new connection) while Syncthing answers db/file. */
    private volatile boolean reconnectOnFileCall;
    private volatile String startedAt = "2026-12-01T10:00:00Z";
    private final AtomicInteger connectionCalls = new AtomicInteger();
    private SyncthingClient syncthing;
    private SyncthingClient phone;
    private PixelConfig config;
    private PixelLedger pixel;

    @BeforeAll
    static void open() {
        home = new PipelineHome(tmp);
        db = home.openLedger();
        ledger = new Ledger(db.dataSource());
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            String query = ex.getRequestURI().getQuery();
            String body = switch (path) {
                case "/rest/db/status" -> "{\"state\":\"idle\",\"error\":\"\"}";
                case "/rest/system/connections" -> {
                    connectionCalls.incrementAndGet();
                    yield "{\"connections\":{\"" + PHONE + "\":{\"connected\":" + connected + ",\"paused\":" + !connected
                            + ",\"address\":\"10.0.0.7:22000\",\"clientVersion\":\"v1.27.0\",\"startedAt\":\"" + startedAt + "\"}}}";
                }
                case "/rest/db/file" -> {
                    String file = query.substring(query.indexOf("file=") + 5);
                    if (dropOnFileCall || reconnectOnFileCall) {
                        connected = !dropOnFileCall;
                        startedAt = Instant.now().toString();
                        yield "{\"global\":{\"version\":" + VERSION + ",\"size\":100},\"local\":{\"version\":" + VERSION
                                + "},\"availability\":null}";
                    }
                    yield "{\"global\":{\"version\":" + VERSION + ",\"size\":100,\"deleted\":false,\"invalid\":false},"
                            + "\"local\":{\"version\":" + VERSION + "},\"availability\":" + (connected && onPhone.contains(file)
                            ? "[{\"id\":\"" + PHONE + "\",\"fromTemporary\":false}]" : "null") + "}";
                }
                case "/rest/config/folders/pixel" -> "{\"id\":\"pixel\",\"type\":\"receiveonly\",\"ignoreDelete\":"
                        + ignoreDelete + "}";
                default -> "{}";
            };
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        Settings s = PipelineHome.loadSettings(tmp, "pipeline.target.pixel.enabled=true\npipeline.target.pixel.folder-id=pixel\n"
                + "pipeline.target.pixel.device-id=" + PHONE + "\n"
                + "pipeline.target.pixel.syncthing.url=" + url + "\npipeline.target.pixel.hold-days=0.5\n"
                + "pipeline.target.pixel.phone.url=" + url + "\n", Map.of("PIPELINE_TARGET_PIXEL_API_KEY", "k"));
        config = PixelConfig.from(s);
        syncthing = SyncthingClient.standalone(url, "k");
        phone = SyncthingClient.standalone(url, "phone-key", Duration.ofSeconds(1), Duration.ofSeconds(2));
        pixel = new PixelLedger(db.dataSource());
    }

    @AfterEach
    void stop() {
        syncthing.close();
        phone.close();
        server.stop(0);
    }

    private PixelProof proof(SyncthingClient phoneClient) {
        PixelConfirmer confirmer = new PixelConfirmer(pixel, syncthing, new RunContext(ledger, "once", "test"),
                config.proof(), new Metrics());
        return new PixelProof(config, pixel, syncthing, confirmer, phoneClient);
    }

    /** A stored media file with a Pixel delivery in {@code state} ({@code null}: none); returns its id. */
    private UUID file(String state, String holdUntil, String lastError) {
        int n = N.incrementAndGet();
        byte[] random = new byte[32];
        new java.util.Random().nextBytes(random);
        String sha = HexFormat.of().formatHex(random);
        MediaInfo info = new MediaInfo(MediaKind.PHOTO, "jpeg", "jpg", "image/jpeg", 4, 4, null, 0, false, null, null,
                null, null, null, null);
        Claim claim = ledger.claim(sha, 100, info, "folder", "IMG_" + n + ".JPG", "/library/IMG_" + n + ".JPG");
        if (state != null) {
            UUID batch = (UUID) ledger.rows("insert into batches (target, status, folder, name) values ('pixel', 'staged',"
                    + " 'pixel', ?) returning id", "b" + n).get(0).get("id");
            ledger.rows("""
                    insert into deliveries (media_file_id, target, batch_id, state, staged_path, staged_size, staged_version,
                                            confirmed_at, hold_until, last_error)
                    values (?, 'pixel', ?, ?, ?, 100, ?::jsonb, now() - interval '2 days', ?::timestamptz, ?) returning id""",
                    claim.mediaId(), batch, state, "/bridge/pixel/b" + n + "/IMG_" + n + ".JPG", VERSION, holdUntil,
                    lastError);
        }
        return claim.mediaId();
    }

    private String rel(UUID id) {
        Map<String, Object> r = ledger.rows("select b.name, d.staged_path from deliveries d join batches b on b.id = d.batch_id"
                + " where d.media_file_id = ?", id).get(0);
        return r.get("name") + "/" + Path.of((String) r.get("staged_path")).getFileName();
    }

    @Test
    void onlyAConfirmedFileWhoseHoldPassedAndThePhoneHasNowIsProven() {
        UUID none = file(null, null, null);
        UUID staged = file("staged", null, null);
        UUID failed = file("failed", null, "the phone refused the file");
        String later = OffsetDateTime.now().plusHours(5).toString();
        UUID held = file("confirmed", later, null);
        UUID onThePhone = file("confirmed", OffsetDateTime.now().minusHours(1).toString(), null);
        UUID alsoOnThePhone = file("confirmed", OffsetDateTime.now().minusHours(1).toString(), null);
        onPhone.add(rel(onThePhone));
        onPhone.add(rel(alsoOnThePhone));

        Map<UUID, Verdict> v = proof(null).check(List.of(none, staged, failed, held, onThePhone, alsoOnThePhone));

        assertThat(v.get(none).state()).isEqualTo(State.WAITING);
        assertThat(v.get(none).reason()).contains("not confirmed on the phone yet");
        assertThat(v.get(staged).state()).isEqualTo(State.WAITING);
        assertThat(v.get(failed).state()).isEqualTo(State.MISSING);
        assertThat(v.get(failed).reason()).contains("the phone refused the file");
        assertThat(v.get(held).state()).isEqualTo(State.WAITING);
        assertThat(v.get(held).reason()).contains("held until").contains("Google Photos");
        assertThat(v.get(held).retryAfter()).isCloseTo(Instant.now().plus(Duration.ofHours(5)), within(Duration.ofMinutes(1)));
        assertThat(v.get(onThePhone).state()).isEqualTo(State.PROVEN);
        assertThat(v.get(onThePhone).evidence()).containsKeys("availability", "version", "size", "connection",
                "checked_at", "confirmed_at", "hold_until");
        assertThat(v.get(onThePhone).evidence().get("availability").toString()).contains(PHONE);
        assertThat(v.get(alsoOnThePhone).state()).isEqualTo(State.PROVEN);
        assertThat(connectionCalls.get()).as("one connections call per check").isEqualTo(1);
    }

    @Test
    void aHalfDeliveredAsAMotionPhotoIsProvenAsPartOfThatFileNotAsItsOwnBytes() {
        UUID still = file("confirmed", OffsetDateTime.now().minusHours(1).toString(), null);
        UUID movie = file("confirmed", OffsetDateTime.now().minusHours(1).toString(), null);
        UUID plain = file("confirmed", OffsetDateTime.now().minusHours(1).toString(), null);
        String motionSha = "ab".repeat(32);
        Map<String, Object> d = ledger.rows("select batch_id, staged_path from deliveries where media_file_id = ?", still).get(0);
        String motionPath = Path.of((String) d.get("staged_path")).resolveSibling("IMG_STILL.MP.jpg").toString();
        ledger.rows("delete from deliveries where media_file_id = ? returning id", movie);
        ledger.rows("""
                update deliveries set staged_path = ?, delivered_as = 'motion-photo', delivered_sha256 = ?,
                                      delivered_with = ? where media_file_id = ? returning id""",
                motionPath, motionSha, movie, still);
        ledger.rows("""
                insert into deliveries (media_file_id, target, batch_id, state, staged_path, staged_size, staged_version,
                                        confirmed_at, hold_until, delivered_as, delivered_sha256, delivered_with)
                values (?, 'pixel', ?, 'confirmed', ?, 100, ?::jsonb, now() - interval '2 days', now() - interval '1 hour',
                        'motion-photo', ?, ?) returning id""", movie, d.get("batch_id"), motionPath, VERSION, motionSha, still);
        onPhone.add(rel(still));
        onPhone.add(rel(plain));

        Map<UUID, Verdict> v = proof(null).check(List.of(still, movie, plain));

        assertThat(v.get(still).state()).isEqualTo(State.PROVEN);
        assertThat(v.get(movie).state()).isEqualTo(State.PROVEN);
        for (UUID half : List.of(still, movie)) {
            Map<String, Object> e = v.get(half).evidence();
            assertThat(e).containsEntry("delivered_as", "motion-photo").containsEntry("motion_photo_sha256", motionSha)
                    .containsEntry("delivered_with", String.valueOf(half == still ? movie : still))
                    .containsEntry("file", rel(still));
            assertThat(e.get("note").toString()).contains("part of the Motion Photo").contains("IMG_STILL.MP.jpg")
                    .contains("not this file's own bytes");
        }
        assertThat(v.get(plain).evidence()).containsEntry("delivered_as", "original")
                .doesNotContainKeys("motion_photo_sha256", "note");
    }

    @Test
    void theMotionPhotoPartnerColumnIsIndexed() {
        assertThat(ledger.rows("select indexdef from pg_indexes where tablename = 'deliveries'"))
                .as("delivered_with references media_files: deleting a media file must not scan deliveries")
                .anySatisfy(r -> assertThat(r.get("indexdef").toString()).contains("(delivered_with)")
                        .contains("delivered_with IS NOT NULL"));
    }

    @Test
    void aFileDeletedOnThePhoneSinceItsConfirmationIsMissing() {
        UUID id = file("confirmed", OffsetDateTime.now().minusHours(1).toString(), null);
        UUID also = file("confirmed", OffsetDateTime.now().minusHours(1).toString(), null);

        Map<UUID, Verdict> v = proof(null).check(List.of(id, also));

        assertThat(v.get(id).state()).isEqualTo(State.MISSING);
        assertThat(v.get(id).reason()).contains("confirmed on the phone at").contains("no longer has it");
        assertThat(v.get(also).state()).isEqualTo(State.MISSING);
        assertThat(connectionCalls.get()).as("connected before the db/file calls and again after them").isEqualTo(2);
    }

    @Test
    void aPhoneThatDropsBetweenTheConnectionsAndTheFileCallIsNotCondemned() {
        UUID id = file("confirmed", OffsetDateTime.now().minusHours(1).toString(), null);
        onPhone.add(rel(id));
        dropOnFileCall = true;

        Verdict v = proof(null).check(List.of(id)).get(id);

        assertThat(v.state()).as("the phone still has it; it only left availability by disconnecting")
                .isEqualTo(State.WAITING);
        assertThat(v.reason()).contains("not connected").contains("dropped while being re-checked");
        assertThat(pixel.deliveries(List.of(id)).get(id).state()).isEqualTo("confirmed");

        dropOnFileCall = false;
        connected = true;
        reconnectOnFileCall = true;
        Verdict back = proof(null).check(List.of(id)).get(id);

        assertThat(back.state()).as("connected before and after, but not the same connection").isEqualTo(State.WAITING);
        assertThat(back.reason()).contains("reconnected");
    }

    @Test
    void aPhoneAwayOrASyncthingDownCannotProveNorCondemn() {
        UUID id = file("confirmed", OffsetDateTime.now().minusHours(1).toString(), null);
        onPhone.add(rel(id));
        connected = false;

        Verdict offline = proof(null).check(List.of(id)).get(id);

        assertThat(offline.state()).isEqualTo(State.WAITING);
        assertThat(offline.reason()).contains("cannot re-check").contains("not connected");

        connected = true;
        server.stop(0);
        Verdict down = proof(null).check(List.of(id)).get(id);

        assertThat(down.state()).isEqualTo(State.WAITING);
        assertThat(down.reason()).contains("cannot re-check").contains("not reachable");
    }

    @Test
    void bridgeCopiesStayUnlessThePhonesFolderIgnoresDeletes() {
        assertThat(proof(phone).localCopiesMustStay()).as("Receive Only, ignoreDelete true").isEmpty();

        ignoreDelete = false;
        assertThat(proof(phone).localCopiesMustStay()).hasValueSatisfying(r -> assertThat(r)
                .contains("does not ignore deletes").contains("Ignore Delete"));
    }

    @Test
    void bridgeCopiesStayWhenThePhoneCannotBeAsked() {
        assertThat(proof(null).localCopiesMustStay()).as("phone.url empty: no proof, the copies stay")
                .hasValueSatisfying(r -> assertThat(r).contains("set pipeline.target.pixel.phone.url/api-key")
                        .contains("ignores deletes"));

        server.stop(0);
        assertThat(proof(phone).localCopiesMustStay()).as("phone unreachable")
                .hasValueSatisfying(r -> assertThat(r).contains("cannot check").contains("not reachable")
                        .contains("set pipeline.target.pixel.phone.url/api-key"));
    }

    @Test
    void aDecimalHoldIsHeldThatLong() {
        UUID id = file("staged", null, null);
        long delivery = ((Number) ledger.rows("select id from deliveries where media_file_id = ?", id).get(0).get("id"))
                .longValue();

        pixel.record(List.of(new PixelLedger.Check(delivery, null, true, "{}", null)), config.proof().holdDays());

        Instant hold = pixel.deliveries(List.of(id)).get(id).holdUntil();
        assertThat(config.proof().holdDays()).isEqualTo(0.5);
        assertThat(hold).isCloseTo(Instant.now().plus(Duration.ofHours(12)), within(Duration.ofMinutes(1)));
    }
}
