package io.mediapipeline.icloud.upload;

import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.icloud.IcloudAccounts;
import io.mediapipeline.icloud.IcloudConfig;
import io.mediapipeline.icloud.IcloudDownloader;
import io.mediapipeline.icloud.IcloudStore;
import io.mediapipeline.ledger.Claim;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.Hasher;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaKind;
import io.mediapipeline.ops.Activity;
import io.mediapipeline.ops.Metrics;
import io.mediapipeline.support.PipelineHome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the upload tests share: the embedded ledger (with the app's migrations), an in-memory iCloud library,
 * the stage's parts wired as UploadStage wires them, and helpers that store media files and read the rows back.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
abstract class UploadFlowBase {

    @TempDir
    static Path tmp;

    static PipelineHome home;
    static Database db;
    static Ledger ledger;
    static final AtomicInteger FILES = new AtomicInteger();

    FakePhotosWeb web;

    @BeforeAll
    static void open() {
        home = new PipelineHome(tmp);
        db = home.openLedger();
        ledger = new Ledger(db.dataSource());
    }

    @AfterAll
    static void close() {
        if (db != null) {
            db.close();
        }
    }

    @BeforeEach
    void fresh() {
        web = new FakePhotosWeb();
        // earlier tests' files leave the upload's view; the accounts start ready with an empty budget
        ledger.rows("update media_files set compress_decision = null where compress_decision is not null returning id");
        ledger.rows("delete from deliveries returning id");
        ledger.rows("delete from icloud_attempts returning id");
        ledger.rows("delete from icloud_accounts returning account");
    }

    /** The stage's parts as UploadStage wires them, on settings with test defaults and the given overrides. */
    final class Rig {
        final UploadConfig cfg;
        final RunContext run = new RunContext(ledger, "once", "test");
        final Metrics metrics = new Metrics();
        final IcloudAccounts shared;
        final BatchPicker picker;
        final Uploader uploader;
        final Prover prover;
        final UploadLedger uploads = new UploadLedger(db.dataSource());
        final AtomicInteger refreshes = new AtomicInteger();
        /** What each session refresh answers (icloudpd's copy was newer); false when empty. */
        final java.util.Queue<Boolean> newerCopies = new java.util.concurrent.ConcurrentLinkedQueue<>();

        Rig(String... overrides) {
            Map<String, String> keys = new LinkedHashMap<>(Map.of(
                    "pipeline.target.icloud.enabled", "true",
                    "pipeline.target.icloud.proof.poll-initial-ms", "1",
                    "pipeline.target.icloud.proof.poll-max-ms", "5",
                    "pipeline.target.icloud.proof.timeout-seconds", "1",
                    "pipeline.target.icloud.proof.download-share-percent", "0",
                    "pipeline.target.icloud.batch.max-files", "20",
                    "pipeline.target.icloud.max-files-per-run", "500",
                    "pipeline.target.icloud.local-files", "false",
                    "pipeline.target.icloud.max-attempts", "3",
                    "pipeline.source.icloud.max-attempts-per-hour", "100"));
            keys.put("pipeline.compress.enabled", "true"); // the target refuses to start without compression
            // the home's settings file outlives a Rig: a test's shorter wait must not carry over into the next one
            keys.put("pipeline.target.icloud.live-pair-wait-seconds", "60");
            for (int i = 0; i < overrides.length; i += 2) {
                keys.put(overrides[i], overrides[i + 1]);
            }
            keys.forEach(home::set);
            Settings s = home.settings();
            cfg = UploadConfig.from(s);
            IcloudConfig icloud = IcloudConfig.withoutSecrets(s);
            shared = new IcloudDownloader(icloud, new IcloudStore(db.dataSource()), s.home(), new Activity(), metrics)
                    .accounts();
            UploadParts parts = UploadParts.wire(cfg, uploads, icloud.accounts(), shared, (dir, user) -> web.signIn(),
                    (from, to, user) -> {
                        refreshes.incrementAndGet();
                        return Boolean.TRUE.equals(newerCopies.poll());
                    }, run, metrics);
            picker = parts.picker();
            uploader = parts.uploader();
            prover = parts.prover();
        }

        /** Batches until nothing more may go up; returns the batches. */
        List<UploadBatch> uploadAll() {
            List<UploadBatch> batches = new java.util.ArrayList<>();
            for (UploadBatch b = uploader.pickBatch(); b != null && batches.size() < 50; b = uploader.pickBatch()) {
                batches.add(b);
                b.getGroups().forEach(uploader::upload);
                uploader.finishBatch(b);
            }
            return batches;
        }

        /** Proof passes until no file is 'registered' any more (or 10 s). */
        void prove() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!ledger.rows("select 1 from deliveries where target = 'icloud' and state = 'registered'").isEmpty()
                    && System.nanoTime() < deadline) {
                prover.check();
                Thread.sleep(5);
            }
        }

        long metric(String name) {
            Number n = metrics.snapshot().get("icloud-upload." + name);
            return n == null ? 0 : n.longValue();
        }
    }


    // ---- helpers ----

    /** A stored media file; "compressed" gets a smaller copy under compressed/ (what goes up). */
    static UUID file(String name, String decision, String source) throws Exception {
        int n = FILES.incrementAndGet();
        byte[] bytes = ("original " + name + " " + n + " " + System.nanoTime()).repeat(20).getBytes(StandardCharsets.UTF_8);
        Path original = home.home().resolve("originals").resolve(n + "_" + name);
        Files.createDirectories(original.getParent());
        Files.write(original, bytes);
        String sha = Hasher.sha256(original);
        String sourcePath = source.equals("icloud") ? home.home().resolve("inbox/icloud/default/2024/" + name).toString()
                : "/library/" + name;
        MediaInfo info = new MediaInfo(MediaKind.PHOTO, "jpeg", "jpg", "image/jpeg", 4, 4, null, 0, false, null, null,
                null, null, null, null);
        Claim claim = ledger.claim(sha, bytes.length, info, source, name, sourcePath);
        long run = ledger.openRun("once", "test");
        long sourceFile = ledger.admitSource(run, source, source + ":" + sha, sourcePath, bytes.length).sourceFileId();
        ledger.markIngested(claim.mediaId(), original.toString(), sourceFile, sha);
        String compressedPath = null;
        Long compressedSize = null;
        if (decision.equals("compressed")) {
            Path c = home.home().resolve("compressed").resolve(n + "_" + name.replaceAll("\\.[A-Z]+$", "") + ".jpg");
            Files.createDirectories(c.getParent());
            byte[] small = ("small " + n + " " + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
            Files.write(c, small);
            compressedPath = c.toString();
            compressedSize = (long) small.length;
        }
        ledger.rows("""
                update media_files set compress_decision = ?, compressed_path = ?, compressed_size = ?,
                       captured_at = now() - interval '1 day', capture_offset_min = 60 where id = ? returning id""",
                decision, compressedPath, compressedSize, claim.mediaId());
        return claim.mediaId();
    }

    static Map<String, Object> row(UUID id) {
        return ledger.rows("select sha256, original_path, compressed_path from media_files where id = ?", id).get(0);
    }

    static Map<String, Object> delivery(UUID id) {
        List<Map<String, Object>> rows = ledger.rows("""
                select state, account, uploaded_path, uploaded_sha256, asset_record, master_record, attempts, last_error,
                       next_check_at, evidence::text as evidence
                  from deliveries where media_file_id = ? and target = 'icloud'""", id);
        return rows.isEmpty() ? null : rows.get(0);
    }

    static com.fasterxml.jackson.databind.JsonNode evidence(UUID id) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree((String) delivery(id).get("evidence"));
    }

    static String accountState() {
        return (String) ledger.rows("select state from icloud_accounts where account = 'default'").get(0).get("state");
    }

    static List<String> attempts() {
        return ledger.rows("select kind, outcome, uploaded from icloud_attempts order by id").stream()
                .map(a -> a.get("kind") + ":" + a.get("outcome") + ":" + a.get("uploaded")).toList();
    }
}
