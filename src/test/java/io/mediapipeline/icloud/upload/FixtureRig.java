package io.mediapipeline.icloud.upload;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.config.Settings;
import io.mediapipeline.fixture.FixtureLibrary;
import io.mediapipeline.fixture.IcloudFixture;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.icloud.IcloudAccounts;
import io.mediapipeline.icloud.IcloudConfig;
import io.mediapipeline.icloud.IcloudDownloader;
import io.mediapipeline.icloud.IcloudStore;
import io.mediapipeline.icloud.web.IcloudWebClient;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.springframework.util.FileSystemUtils;

/**
 * The upload stage's real parts (BatchPicker, Uploader, Prover, WebSessions) wired as UploadStage wires them, with
 * the real {@link IcloudWebClient} and {@link SessionCopy} against an {@link IcloudFixture} on loopback, over an
 * embedded ledger with the app's migrations. The account "default" is signed in by icloudpd (the fixture wrote its
 * session into the account's cookie folder).
 */
final class FixtureRig {

    static final String USER = "anna.berg@example.com";
    private static final AtomicInteger FILES = new AtomicInteger();

    final PipelineHome home;
    final Ledger ledger;
    final Database db;
    final IcloudFixture fixture;
    final Path cookieDir;

    /** One per test class: the ledger is emptied of upload state, the fixture is new. */
    FixtureRig(PipelineHome home, Database db, IcloudFixture fixture) throws Exception {
        this.home = home;
        this.db = db;
        this.ledger = new Ledger(db.dataSource());
        this.fixture = fixture;
        this.cookieDir = home.home().resolve("state/icloud-cookies/default");
        ledger.rows("update media_files set compress_decision = null where compress_decision is not null returning id");
        ledger.rows("delete from deliveries returning id");
        ledger.rows("delete from icloud_attempts returning id");
        ledger.rows("delete from icloud_accounts returning account");
        FileSystemUtils.deleteRecursively(home.home().resolve("state/icloud-upload"));
        fixture.writeSession(cookieDir, USER);
    }

    /** The stage's parts on test settings plus overrides. */
    Parts parts(String... overrides) {
        return new Parts(overrides);
    }

    final class Parts implements AutoCloseable {
        final UploadConfig cfg;
        final RunContext run = new RunContext(ledger, "once", "test");
        final Metrics metrics = new Metrics();
        final IcloudAccounts shared;
        final UploadParts parts;
        final Uploader uploader;
        final Prover prover;

        private Parts(String... overrides) {
            Map<String, String> keys = new LinkedHashMap<>();
            keys.put("pipeline.source.icloud.username", USER);
            keys.put("pipeline.target.icloud.enabled", "true");
            keys.put("pipeline.compress.enabled", "true");
            keys.put("pipeline.target.icloud.setup-url", fixture.setupUrl().toString());
            keys.put("pipeline.target.icloud.proof.poll-initial-ms", "20");
            keys.put("pipeline.target.icloud.proof.poll-max-ms", "200");
            keys.put("pipeline.target.icloud.proof.timeout-seconds", "1");
            keys.put("pipeline.target.icloud.proof.download-share-percent", "0");
            keys.put("pipeline.target.icloud.batch.max-files", "20");
            keys.put("pipeline.target.icloud.max-files-per-run", "500");
            keys.put("pipeline.target.icloud.max-attempts", "3");
            keys.put("pipeline.source.icloud.max-attempts-per-hour", "100");
            for (int i = 0; i < overrides.length; i += 2) {
                keys.put(overrides[i], overrides[i + 1]);
            }
            keys.forEach(home::set);
            Settings s = home.settings();
            cfg = UploadConfig.from(s);
            IcloudConfig icloud = IcloudConfig.withoutSecrets(s);
            shared = new IcloudDownloader(icloud, new IcloudStore(db.dataSource()), s.home(), new Activity(), metrics)
                    .accounts();
            parts = UploadParts.wire(cfg, db.dataSource(), icloud.accounts(), shared, run, metrics);
            uploader = parts.uploader();
            prover = parts.prover();
        }

        /** Batches until nothing more may go up now; returns them. */
        List<UploadBatch> uploadAll() {
            List<UploadBatch> batches = new ArrayList<>();
            for (UploadBatch b = uploader.pickBatch(); b != null && batches.size() < 50; b = uploader.pickBatch()) {
                batches.add(b);
                b.getGroups().forEach(uploader::upload);
                uploader.finishBatch(b);
            }
            return batches;
        }

        /** Proof passes, as the prove-icloud timer would make them, until nothing is 'registered' (or 20 s). */
        void prove() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!ledger.rows("select 1 from deliveries where target = 'icloud' and state = 'registered'").isEmpty()
                    && System.nanoTime() < deadline) {
                prover.check();
                Thread.sleep(20);
            }
        }

        @Override
        public void close() {
            parts.close();
        }
    }

    /**
     * A stored media file downloaded from iCloud into inbox/icloud/default; {@code compressed}: a smaller copy under
     * compressed/ is what goes up. Random bytes, so no two files share a content.
     */
    UUID file(String name, boolean compressed) throws Exception {
        int n = FILES.incrementAndGet();
        Random random = new Random(name.hashCode() * 31L + n + System.nanoTime());
        byte[] bytes = new byte[3000 + random.nextInt(2000)];
        random.nextBytes(bytes);
        Path original = home.home().resolve("originals").resolve(n + "_" + name);
        Files.createDirectories(original.getParent());
        Files.write(original, bytes);
        String sha = Hasher.sha256(original);
        String sourcePath = home.home().resolve("inbox/icloud/default/2024/" + name).toString();
        MediaInfo info = new MediaInfo(MediaKind.PHOTO, "jpeg", "jpg", "image/jpeg", 4, 4, null, 0, false, null, null,
                null, null, null, null);
        Claim claim = ledger.claim(sha, bytes.length, info, "icloud", name, sourcePath);
        long run = ledger.openRun("once", "test");
        long source = ledger.admitSource(run, "icloud", "icloud:" + sha, sourcePath, bytes.length).sourceFileId();
        ledger.markIngested(claim.mediaId(), original.toString(), source, sha);
        String compressedPath = null;
        Long compressedSize = null;
        if (compressed) {
            byte[] small = new byte[800 + random.nextInt(400)];
            random.nextBytes(small);
            Path c = home.home().resolve("compressed").resolve(n + "_" + name.replaceAll("\\.[A-Za-z0-9]+$", "") + ".jpg");
            Files.createDirectories(c.getParent());
            Files.write(c, small);
            compressedPath = c.toString();
            compressedSize = (long) small.length;
        }
        ledger.rows("""
                update media_files set compress_decision = ?, compressed_path = ?, compressed_size = ?,
                       captured_at = now() - interval '1 day', capture_offset_min = 60 where id = ? returning id""",
                compressed ? "compressed" : "original", compressedPath, compressedSize, claim.mediaId());
        return claim.mediaId();
    }

    /** The file's original as icloudpd found it in the library (seeded in the fixture with the file's bytes and date). */
    FixtureLibrary.Asset downloaded(UUID id) throws Exception {
        Map<String, Object> row = ledger.rows(
                "select original_name, original_path, captured_at from media_files where id = ?", id).get(0);
        Object t = row.get("captured_at");
        java.time.Instant captured = t instanceof java.sql.Timestamp ts ? ts.toInstant()
                : ((java.time.OffsetDateTime) t).toInstant();
        return fixture.seedOriginal((String) row.get("original_name"),
                Files.readAllBytes(Path.of((String) row.get("original_path"))), captured);
    }

    List<UUID> files(String prefix, int n) throws Exception {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(file(prefix + "_" + i + ".JPG", i % 2 == 0));
        }
        return ids;
    }

    Map<String, Object> delivery(UUID id) {
        List<Map<String, Object>> rows = ledger.rows("""
                select state, account, uploaded_path, uploaded_sha256, uploaded_size, asset_record, master_record,
                       attempts, last_error, evidence::text as evidence
                  from deliveries where media_file_id = ? and target = 'icloud'""", id);
        return rows.isEmpty() ? null : rows.get(0);
    }

    String state(UUID id) {
        Map<String, Object> d = delivery(id);
        return d == null ? "none" : (String) d.get("state");
    }

    /** Each file's delivery state, for a readable failure message. */
    Map<UUID, String> states(List<UUID> ids) {
        return ids.stream().collect(Collectors.toMap(id -> id, this::state, (a, b) -> a, LinkedHashMap::new));
    }

    String accountState() {
        List<Map<String, Object>> rows = ledger.rows("select state from icloud_accounts where account = 'default'");
        return rows.isEmpty() ? "ready" : (String) rows.get(0).get("state");
    }

    List<String> attempts() {
        return ledger.rows("select kind, outcome from icloud_attempts order by id").stream()
                .map(a -> a.get("kind") + ":" + a.get("outcome")).toList();
    }

    /** The account may be used again: the backoff has passed, or the owner signed in again. */
    void accountReady() {
        ledger.rows("delete from icloud_accounts returning account");
    }

    /**
     * What must hold after any fault: every confirmed file's asset is in the fixture's library, not deleted, and its
     * master holds exactly the local file's bytes; no content was uploaded twice (one asset per master, and putAsset
     * created no more assets than the library holds); every file that is not confirmed is failed or unproven with a
     * reason, or has no final state yet ({@code pending} lists the states allowed for those).
     */
    void assertHonest(List<UUID> ids, String... pending) throws Exception {
        FixtureLibrary library = fixture.library(USER);
        for (UUID id : ids) {
            Map<String, Object> d = delivery(id);
            String state = d == null ? "none" : (String) d.get("state");
            if (state.equals("confirmed")) {
                FixtureLibrary.Asset asset = library.asset((String) d.get("asset_record")).orElseThrow(
                        () -> new AssertionError(id + " confirmed, but the fixture has no asset " + d.get("asset_record")));
                assertThat(asset.deleted()).as("confirmed asset deleted").isFalse();
                assertThat(asset.masterRef()).isEqualTo(d.get("master_record"));
                byte[] held = library.master(asset.masterRef()).orElseThrow().bytes();
                Path local = Path.of((String) d.get("uploaded_path"));
                assertThat(sha256(held)).as("bytes iCloud holds for " + local).isEqualTo(Hasher.sha256(local))
                        .isEqualTo(d.get("uploaded_sha256"));
            } else if (state.equals("failed") || state.equals("unproven")) {
                assertThat((String) d.get("last_error")).as("reason for " + state + " " + id).isNotBlank();
            } else {
                assertThat(List.of(pending)).as("state of " + id + " (" + d + ")").contains(state);
            }
        }
        Map<String, Long> assetsPerMaster = library.assets().stream().filter(a -> !a.seeded())
                .collect(Collectors.groupingBy(FixtureLibrary.Asset::masterRef, Collectors.counting()));
        assertThat(assetsPerMaster.values()).as("assets per uploaded content").allMatch(c -> c == 1);
        assertThat(fixture.assetsCreated()).isEqualTo(assetsPerMaster.size());
        assertThat(ledger.rows("""
                select asset_record from deliveries where target = 'icloud' and asset_record is not null
                 group by asset_record having count(*) > 1""")).as("two files claim one asset").isEmpty();
    }

    /** The content (by sha256) of each upload the fixture received. */
    List<String> uploadsReceived() {
        return fixture.uploadsReceived().stream().map(FixtureRig::sha256).toList();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Duration seconds(long s) {
        return Duration.ofSeconds(s);
    }
}
