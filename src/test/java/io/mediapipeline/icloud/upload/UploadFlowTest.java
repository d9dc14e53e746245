package io.mediapipeline.icloud.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.icloud.IcloudAccounts;
import io.mediapipeline.icloud.IcloudConfig;
import io.mediapipeline.icloud.IcloudDownloader;
import io.mediapipeline.icloud.IcloudStore;
import io.mediapipeline.icloud.web.IcloudWebException.Kind;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upload's state machine against the embedded ledger (with the app's migrations) and an in-memory iCloud
 * library: what the ledger rows say and what the library holds must agree, through crashes, faults and refusals.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class UploadFlowTest {

    @TempDir
    static Path tmp;

    private static PipelineHome home;
    private static Database db;
    private static Ledger ledger;
    private static final AtomicInteger FILES = new AtomicInteger();

    private FakePhotosWeb web;

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
    private final class Rig {
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
            for (int i = 0; i < overrides.length; i += 2) {
                keys.put(overrides[i], overrides[i + 1]);
            }
            keys.forEach(home::set);
            Settings s = home.settings();
            cfg = UploadConfig.from(s);
            IcloudConfig icloud = IcloudConfig.withoutSecrets(s);
            shared = new IcloudDownloader(icloud, new IcloudStore(db.dataSource()), s.home(), new Activity(), metrics)
                    .accounts();
            WebSessions sessions = new WebSessions(cfg, icloud.accounts(), shared, (dir, user) -> web.signIn(),
                    (from, to, user) -> {
                        refreshes.incrementAndGet();
                        return Boolean.TRUE.equals(newerCopies.poll());
                    });
            picker = new BatchPicker(cfg, uploads, sessions, shared, run);
            uploader = new Uploader(cfg, uploads, picker, sessions, shared, run, metrics);
            prover = new Prover(cfg, uploads, sessions, picker, shared, run, metrics);
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

    // ---- what goes up, and the proof ----

    @Test
    void compressedCopyGoesUpAndIsConfirmedOnlyOnceReadBack() throws Exception {
        UUID id = file("IMG_0001.JPG", "compressed", "icloud");
        Rig r = new Rig();
        r.uploadAll();
        assertThat(delivery(id)).containsEntry("state", "registered");
        r.prove();

        Map<String, Object> d = delivery(id);
        assertThat(d).containsEntry("state", "confirmed").containsEntry("account", "default");
        Path compressed = Path.of((String) row(id).get("compressed_path"));
        assertThat(d.get("uploaded_path")).isEqualTo(compressed.toString());
        assertThat(d.get("uploaded_sha256")).isEqualTo(Hasher.sha256(compressed));
        assertThat(web.library).hasSize(1);
        FakePhotosWeb.Stored held = web.library.get((String) d.get("asset_record"));
        assertThat(held.bytes()).isEqualTo(Files.readAllBytes(compressed));
        assertThat(held.fileName()).isEqualTo("IMG_0001.jpg");
        assertThat(held.master()).isEqualTo(d.get("master_record"));
        assertThat(evidence(id).path("masterSize").asLong()).isEqualTo(Files.size(compressed));
        assertThat(evidence(id).has("confirmedAt")).isTrue();
        assertThat((String) d.get("evidence")).doesNotContain("SECRET-TOKEN").doesNotContain("tk=");
        assertThat(r.metric("confirmed")).isEqualTo(1);
        assertThat(attempts()).containsExactly("upload:success:1");
        // the upload URL and the download URL carry tokens: neither reaches the ledger
        for (String table : List.of("deliveries", "file_events", "pipeline_logs", "icloud_attempts", "icloud_accounts")) {
            assertThat(ledger.rows("select t::text as row from " + table + " t"))
                    .as(table).noneMatch(row -> String.valueOf(row.get("row")).contains("SECRET"));
        }
    }

    @Test
    void originalGoesUpWhenCompressionKeptItOrGaveUp() throws Exception {
        UUID kept = file("A.HEIC", "skipped", "icloud");
        UUID gaveUp = file("B.MOV", "failed", "icloud");
        ledger.rows("update media_files set compress_failures = 3 where id = ? returning id", gaveUp);
        UUID retrying = file("C.MOV", "failed", "icloud"); // compression still has tries left
        Rig r = new Rig();
        r.uploadAll();
        r.prove();
        assertThat(delivery(kept)).containsEntry("state", "confirmed")
                .containsEntry("uploaded_sha256", row(kept).get("sha256"));
        assertThat(delivery(gaveUp)).containsEntry("state", "confirmed");
        assertThat(delivery(retrying)).isNull();
    }

    @Test
    void notFoundForAWhileThenPresentIsConfirmed() throws Exception {
        UUID id = file("late.jpg", "original", "icloud");
        web.hiddenLookups = 3;
        Rig r = new Rig();
        r.uploadAll();
        r.prove();
        assertThat(delivery(id)).containsEntry("state", "confirmed");
        assertThat(web.count("lookup")).isEqualTo(4);
        assertThat(evidence(id).path("lookups").asInt()).isEqualTo(4);
    }

    @Test
    void neverSeenIsUnprovenNotFailedAndNotUploadedAgain() throws Exception {
        UUID id = file("ghost.jpg", "original", "icloud");
        web.neverAppears = true;
        Rig r = new Rig();
        r.uploadAll();
        r.prove();
        Map<String, Object> d = delivery(id);
        assertThat(d).containsEntry("state", "unproven");
        assertThat((String) d.get("last_error")).contains("not found in iCloud").contains("not uploaded again");
        assertThat(d.get("next_check_at")).isNotNull();
        assertThat(r.metric("unproven")).isEqualTo(1);

        // a later run neither uploads it again nor gives up on it; the recheck finds it and confirms it
        Rig later = new Rig();
        assertThat(later.uploadAll()).isEmpty();
        assertThat(web.count("send")).isEqualTo(1);
        web.neverAppears = false;
        ledger.rows("update deliveries set next_check_at = now() - interval '1 second' where media_file_id = ? returning id", id);
        later.prover.check();
        assertThat(delivery(id)).containsEntry("state", "confirmed");
        assertThat(web.library).hasSize(1);
    }

    @Test
    void aMasterWithAnotherSizeIsFailedWithTheReason() throws Exception {
        UUID id = file("size.jpg", "original", "icloud");
        web.masterSizeDelta = -1;
        Rig r = new Rig();
        r.uploadAll();
        r.prove();
        assertThat(delivery(id)).containsEntry("state", "failed");
        assertThat((String) delivery(id).get("last_error")).contains("the master's size is");
    }

    @Test
    void aMasterWithAnotherChecksumIsFailedWithTheReason() throws Exception {
        UUID id = file("sum.jpg", "original", "icloud");
        web.masterChecksum = "AQAAAAAAAAAAAAAAAAAAAAAAAAAA";
        Rig r = new Rig();
        r.uploadAll();
        r.prove();
        assertThat(delivery(id)).containsEntry("state", "failed");
        assertThat((String) delivery(id).get("last_error")).contains("checksum is AQAAAAAAAAAAAAAAAAAAAAAAAAAA");
    }

    @Test
    void anAssetPointingToAnotherMasterIsFailed() throws Exception {
        UUID id = file("ref.jpg", "original", "icloud");
        web.masterRef = "SOME-OTHER-MASTER";
        Rig r = new Rig();
        r.uploadAll();
        r.prove();
        assertThat(delivery(id)).containsEntry("state", "failed");
        assertThat((String) delivery(id).get("last_error")).contains("points to master SOME-OTHER-MASTER");
    }

    @Test
    void downloadedBackBytesMustMatch() throws Exception {
        UUID good = file("dl-good.jpg", "original", "icloud");
        Rig r = new Rig("pipeline.target.icloud.proof.download-share-percent", "100");
        r.uploadAll();
        r.prove();
        assertThat(delivery(good)).containsEntry("state", "confirmed");
        assertThat(evidence(good).path("downloadedSha256").asText()).isEqualTo(row(good).get("sha256"));

        UUID bad = file("dl-bad.jpg", "original", "icloud");
        web.downloadInstead = "other bytes".getBytes(StandardCharsets.UTF_8);
        r.uploadAll();
        r.prove();
        assertThat(delivery(bad)).containsEntry("state", "failed");
        assertThat((String) delivery(bad).get("last_error")).contains("downloaded back");
        assertThat(web.count("download")).isEqualTo(2);
    }

    @Test
    void theDownloadShareIsFixedByContent() {
        UploadConfig.Proof five = new UploadConfig.Proof(null, 1, 1, null, 5);
        String sha = "0000000" + "3" + "0".repeat(56); // 3 % 100 < 5
        String other = "000000" + "63" + "0".repeat(56); // 99 % 100
        assertThat(five.downloadBack(sha)).isTrue();
        assertThat(five.downloadBack(other)).isFalse();
        assertThat(new UploadConfig.Proof(null, 1, 1, null, 100).downloadBack(other)).isTrue();
        assertThat(new UploadConfig.Proof(null, 1, 1, null, 0).downloadBack(sha)).isFalse();
    }

    @Test
    void aFileWhoseBytesChangedIsNotConfirmed() throws Exception {
        UUID id = file("changed.jpg", "original", "icloud");
        Path original = Path.of((String) row(id).get("original_path"));
        byte[] bytes = Files.readAllBytes(original);
        bytes[0] ^= 1; // same size, other content
        original.toFile().setWritable(true);
        Files.write(original, bytes);
        Rig r = new Rig();
        r.uploadAll();
        r.prove();
        assertThat(delivery(id)).containsEntry("state", "failed");
        assertThat((String) delivery(id).get("last_error")).contains("the file changed");
        assertThat(web.library).isEmpty();
    }

    @Test
    void aMissingFileFailsItselfNotTheBatch() throws Exception {
        UUID gone = file("gone.jpg", "original", "icloud");
        UUID fine = file("fine.jpg", "original", "icloud");
        Files.delete(Path.of((String) row(gone).get("original_path")));
        Rig r = new Rig();
        r.uploadAll();
        r.prove();
        assertThat(delivery(gone)).containsEntry("state", "failed");
        assertThat((String) delivery(gone).get("last_error")).contains("missing");
        assertThat(delivery(fine)).containsEntry("state", "confirmed");
        assertThat(attempts()).containsExactly("upload:partial:1");
    }

    @Test
    void onceReportsWhatIsNotProvenAndTakesNoUploadForADownload() throws Exception {
        UUID ghost = file("report-ghost.jpg", "original", "icloud");
        web.neverAppears = true;
        Rig r = new Rig();
        r.uploadAll();
        r.prove();
        assertThat(attempts()).containsExactly("upload:success:1");

        var handoff = new io.mediapipeline.flow.Handoff(tmp.resolve("work"), List.of());
        List<io.mediapipeline.report.Unfinished.Item> notDone =
                new io.mediapipeline.report.Unfinished(ledger, handoff, List.of("default")).find(r.run.runId());
        assertThat(notDone).anySatisfy(i -> {
            assertThat(i.what()).isEqualTo(row(ghost).get("original_path"));
            assertThat(i.why()).startsWith("iCloud upload unproven").contains("not found in iCloud");
        });
        // the upload batch that succeeded is not mistaken for a download of the account
        assertThat(notDone).anySatisfy(i -> assertThat(i.why()).startsWith("not downloaded in this run"));
    }

    @Test
    void onceWaitsForUploadsAndProofsButNotForABlockedAccount() throws Exception {
        UUID id = file("wait.jpg", "original", "icloud");
        Rig r = new Rig();
        OnceWait wait = new OnceWait(true, java.time.Duration.ofMinutes(5), r.picker, r.uploader, r.prover, r.uploads);
        OnceWait service = new OnceWait(false, java.time.Duration.ofMinutes(5), r.picker, r.uploader, r.prover, r.uploads);
        assertThat(wait.outstanding()).isEqualTo(1);
        assertThat(service.outstanding()).isZero();

        r.uploadAll();
        Thread.sleep(1100); // counted at most once a second
        assertThat(delivery(id)).containsEntry("state", "registered");
        assertThat(wait.outstanding()).as("registered, proof pending").isEqualTo(1);
        r.prove();
        Thread.sleep(1100);
        assertThat(wait.outstanding()).isZero();

        file("blocked.jpg", "original", "icloud");
        ledger.rows("update icloud_accounts set state = 'auth-needed', auth_needed_since = now() returning account");
        Thread.sleep(1100);
        assertThat(wait.outstanding()).as("sign-in needed: nothing to wait for").isZero();
    }

    // ---- crashes: resume without a second asset ----

    @Test
    void aCrashAfterReservingSendsAgainAndMakesOneAsset() throws Exception {
        UUID id = file("crash1.jpg", "original", "icloud");
        web.sendFaults.add(new FakePhotosWeb.Crash("during send"));
        Rig r = new Rig();
        assertThatThrownBy(r::uploadAll).isInstanceOf(FakePhotosWeb.Crash.class);
        assertThat(delivery(id)).containsEntry("state", "reserved");

        Rig restarted = new Rig();
        restarted.uploadAll();
        restarted.prove();
        assertThat(delivery(id)).containsEntry("state", "confirmed");
        assertThat(web.library).hasSize(1);
        assertThat(web.count("reserve")).isEqualTo(2);
    }

    @Test
    void aCrashAfterSendingRegistersWithTheStoredReceipt() throws Exception {
        UUID id = file("crash2.jpg", "original", "icloud");
        web.registerFaults.add(new FakePhotosWeb.Crash("before putAsset"));
        Rig r = new Rig();
        assertThatThrownBy(r::uploadAll).isInstanceOf(FakePhotosWeb.Crash.class);
        assertThat(delivery(id)).containsEntry("state", "sent");

        Rig restarted = new Rig();
        restarted.uploadAll();
        restarted.prove();
        assertThat(delivery(id)).containsEntry("state", "confirmed");
        assertThat(web.count("send")).isEqualTo(1); // the bytes went up once
        assertThat(web.library).hasSize(1);
    }

    @Test
    void anExpiredReceiptAfterACrashIsSentAgainNotFailed() throws Exception {
        UUID id = file("crash5.jpg", "original", "icloud");
        web.registerFaults.add(new FakePhotosWeb.Crash("before putAsset"));
        assertThatThrownBy(new Rig()::uploadAll).isInstanceOf(FakePhotosWeb.Crash.class);
        web.registerFaults.add(FakePhotosWeb.web(Kind.REJECTED, 400, "receipt expired"));

        Rig restarted = new Rig();
        restarted.uploadAll();
        restarted.prove();
        assertThat(delivery(id)).containsEntry("state", "confirmed").containsEntry("attempts", 1);
        assertThat(web.count("send")).isEqualTo(2);
        assertThat(web.library).hasSize(1);
    }

    @Test
    void aCrashBetweenPutAssetAndTheLedgerIsADuplicateNotASecondAsset() throws Exception {
        UUID id = file("crash3.jpg", "original", "icloud");
        web.crashAfterRegister = true;
        Rig r = new Rig();
        assertThatThrownBy(r::uploadAll).isInstanceOf(FakePhotosWeb.Crash.class);
        assertThat(delivery(id)).containsEntry("state", "sent");
        String asset = web.library.keySet().iterator().next();

        Rig restarted = new Rig();
        restarted.uploadAll();
        assertThat(delivery(id)).containsEntry("state", "registered").containsEntry("asset_record", asset);
        assertThat(evidence(id).path("duplicate").asBoolean()).isTrue();
        restarted.prove();
        assertThat(delivery(id)).containsEntry("state", "confirmed");
        assertThat(web.library).hasSize(1);
        assertThat(restarted.metric("duplicate")).isEqualTo(1);
    }

    @Test
    void aCrashAfterRegisteringOnlyNeedsTheProof() throws Exception {
        UUID id = file("crash4.jpg", "original", "icloud");
        new Rig().uploadAll();
        assertThat(delivery(id)).containsEntry("state", "registered");
        Rig restarted = new Rig();
        assertThat(restarted.uploadAll()).isEmpty();
        restarted.prove();
        assertThat(delivery(id)).containsEntry("state", "confirmed");
        assertThat(web.count("register")).isEqualTo(1);
    }

    // ---- the account's budget and state ----

    @Test
    void throttlingStopsTheBatchAndBacksTheAccountOff() throws Exception {
        UUID first = file("t1.jpg", "original", "icloud");
        UUID second = file("t2.jpg", "original", "icloud");
        web.reserveFaults.add(FakePhotosWeb.web(Kind.THROTTLED, 503, "try later"));
        Rig r = new Rig();
        List<UploadBatch> batches = r.uploadAll();
        assertThat(batches).hasSize(1); // the backoff lets no second batch start
        assertThat(delivery(first)).isNull();
        assertThat(delivery(second)).isNull();
        assertThat(web.count("reserve")).isEqualTo(1);
        assertThat(accountState()).isEqualTo("backing-off");
        assertThat(attempts()).containsExactly("upload:throttled:0");
    }

    @Test
    void anExpiredSessionPutsTheAccountIntoSignInNeeded() throws Exception {
        UUID id = file("exp.jpg", "original", "icloud");
        web.registerFaults.add(FakePhotosWeb.web(Kind.AUTH_EXPIRED, 421, "session expired"));
        Rig r = new Rig();
        r.uploadAll();
        assertThat(accountState()).isEqualTo("auth-needed");
        assertThat(delivery(id)).containsEntry("state", "sent");
        assertThat(attempts()).containsExactly("upload:auth-needed:0");
        assertThat(web.closed).isTrue();
        assertThat(r.uploader.pickBatch()).isNull();
    }

    @Test
    void anAdvancedDataProtectionAccountFailsNothing() throws Exception {
        UUID id = file("adp.jpg", "original", "icloud");
        web.signInFaults.add(FakePhotosWeb.web(Kind.ADP_REQUIRED, 200,
                "this Apple ID has Advanced Data Protection on"));
        Rig r = new Rig();
        assertThat(r.uploadAll()).isEmpty();
        assertThat(delivery(id)).isNull();
        assertThat(web.count("reserve")).isZero();
        assertThat(ledger.rows("select message from pipeline_logs where stage = 'icloud-upload' and message like '%Advanced Data Protection%'"))
                .hasSize(1);
        r.uploadAll(); // said once, and not asked again while icloudpd's session stays the same
        assertThat(ledger.rows("select message from pipeline_logs where stage = 'icloud-upload' and message like '%Advanced Data Protection%'"))
                .hasSize(1);
        assertThat(web.count("signIn")).as("no second sign-in for a refused account").isEqualTo(1);
        assertThat(r.picker.usable("default")).isFalse();
    }

    @Test
    void retryableFailuresKeepTheFileUntilMaxAttempts() throws Exception {
        UUID id = file("flaky.jpg", "original", "icloud");
        for (int i = 0; i < 3; i++) {
            web.sendFaults.add(FakePhotosWeb.web(Kind.RETRYABLE, 500, "server error"));
        }
        Rig r = new Rig("pipeline.target.icloud.batch.max-files", "1");
        UploadBatch b = r.uploader.pickBatch();
        b.getGroups().forEach(r.uploader::upload);
        r.uploader.finishBatch(b);
        assertThat(delivery(id)).containsEntry("state", "reserved").containsEntry("attempts", 1);
        r.uploadAll();
        assertThat(delivery(id)).containsEntry("state", "failed").containsEntry("attempts", 3);
        assertThat((String) delivery(id).get("last_error")).contains("gave up after 3 tries");
        assertThat(web.library).isEmpty();
    }

    @Test
    void theSessionIsNotCopiedWhileIcloudpdRunsForTheAccount() throws Exception {
        UUID id = file("locked.jpg", "original", "icloud");
        Rig r = new Rig();
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread download = new Thread(() -> {
            try {
                r.shared.whileIdle("default", () -> {
                    held.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        download.start();
        held.await();
        try {
            assertThat(r.uploader.pickBatch()).isNull();
            assertThat(r.refreshes.get()).isZero();
        } finally {
            release.countDown();
            download.join();
        }
        r.uploadAll();
        assertThat(r.refreshes.get()).isEqualTo(1);
        assertThat(delivery(id)).containsEntry("state", "registered");
    }

    @Test
    void theAccountsHourlyBudgetIsSharedButOnlyPushbackFromAppleSpendsIt() throws Exception {
        for (int i = 0; i < 3; i++) {
            file("budget" + i + ".jpg", "original", "icloud");
        }
        Rig r = new Rig("pipeline.target.icloud.batch.max-files", "1", "pipeline.source.icloud.max-attempts-per-hour", "2");
        // three good batches in a row: a library going up in small batches does not use the download's budget
        assertThat(r.uploadAll()).hasSize(3);
        assertThat(web.library).hasSize(3);
        assertThat(r.shared.blocked("default", java.time.Instant.now())).isNull();
        // two icloudpd starts in the hour: the same budget now stops the upload
        var store = new io.mediapipeline.icloud.IcloudStore(db.dataSource());
        store.startAttempt("default", "scheduled", java.time.Instant.now());
        store.startAttempt("default", "scheduled", java.time.Instant.now());
        file("budget3.jpg", "original", "icloud");
        assertThat(r.shared.blocked("default", java.time.Instant.now())).startsWith("circuit open");
        assertThat(r.uploadAll()).isEmpty();
        assertThat(web.library).hasSize(3);
    }

    // ---- caps, pairs, local files ----

    @Test
    void batchesStayUnderTheCaps() throws Exception {
        for (int i = 0; i < 5; i++) {
            file("cap" + i + ".jpg", "original", "icloud");
        }
        Rig r = new Rig("pipeline.target.icloud.batch.max-files", "2", "pipeline.target.icloud.max-files-per-run", "3");
        List<UploadBatch> batches = r.uploadAll();
        assertThat(batches).extracting(UploadBatch::size).containsExactly(2, 1);
        assertThat(web.library).hasSize(3);
        assertThat(ledger.rows("select 1 from deliveries where target = 'icloud'")).hasSize(3);
    }

    @Test
    void aLivePhotoGoesUpInOneBatchOneHalfAfterTheOther() throws Exception {
        UUID photo = file("IMG_0100.HEIC", "original", "icloud");
        UUID video = file("IMG_0100.MOV", "original", "icloud");
        UUID other = file("IMG_0099.JPG", "original", "icloud");
        ledger.rows("update media_files set live_pair_id = ? where id = ? returning id", video, photo);
        ledger.rows("update media_files set live_pair_id = ? where id = ? returning id", photo, video);
        ledger.rows("update media_files set created_at = now() + interval '1 hour' where id = ? returning id", video);
        Rig r = new Rig("pipeline.target.icloud.batch.max-files", "1");
        UploadBatch b = r.uploader.pickBatch();
        assertThat(b.getGroups()).hasSize(1);
        assertThat(b.getGroups().get(0).files()).extracting(UploadLedger.Candidate::id).containsExactly(photo, video);
        b.getGroups().forEach(r.uploader::upload);
        r.uploader.finishBatch(b);
        assertThat(delivery(photo)).containsEntry("state", "registered");
        assertThat(delivery(video)).containsEntry("state", "registered");
        assertThat(delivery(other)).isNull();
    }

    @Test
    void filesFromALocalFolderGoUpOnlyWhenTheSettingSaysSo() throws Exception {
        UUID local = file("local.jpg", "original", "folder");
        assertThat(new Rig().uploadAll()).isEmpty();
        assertThat(delivery(local)).isNull();

        new Rig("pipeline.target.icloud.local-files", "true").uploadAll();
        assertThat(delivery(local)).containsEntry("state", "registered").containsEntry("account", "default");
    }

    // ---- helpers ----

    /** A stored media file; "compressed" gets a smaller copy under compressed/ (what goes up). */
    private static UUID file(String name, String decision, String source) throws Exception {
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

    private static Map<String, Object> row(UUID id) {
        return ledger.rows("select sha256, original_path, compressed_path from media_files where id = ?", id).get(0);
    }

    private static Map<String, Object> delivery(UUID id) {
        List<Map<String, Object>> rows = ledger.rows("""
                select state, account, uploaded_path, uploaded_sha256, asset_record, master_record, attempts, last_error,
                       next_check_at, evidence::text as evidence
                  from deliveries where media_file_id = ? and target = 'icloud'""", id);
        return rows.isEmpty() ? null : rows.get(0);
    }

    private static com.fasterxml.jackson.databind.JsonNode evidence(UUID id) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree((String) delivery(id).get("evidence"));
    }

    @Test
    void theProofAsksNothingWhileTheAccountBacksOff() throws Exception {
        List<UUID> ids = List.of(file("t1.jpg", "original", "icloud"), file("t2.jpg", "original", "icloud"),
                file("t3.jpg", "original", "icloud"), file("t4.jpg", "original", "icloud"));
        Rig r = new Rig();
        r.uploadAll();
        ids.forEach(id -> assertThat(delivery(id)).containsEntry("state", "registered"));
        for (int i = 0; i < 10; i++) {
            web.lookupFaults.add(FakePhotosWeb.web(Kind.THROTTLED, 503, "slow down"));
        }
        long before = web.count("lookup");
        for (int pass = 0; pass < 6; pass++) {
            ledger.rows("update deliveries set next_check_at = now() - interval '1 second' where target = 'icloud' returning media_file_id");
            r.prover.check();
        }
        assertThat(web.count("lookup") - before).as("one throttled look-up, then silence").isEqualTo(1);
        Map<String, Object> account = ledger.rows("select state, consecutive_throttles,"
                + " next_attempt_at < now() + interval '2 hours' as soon from icloud_accounts where account = 'default'").get(0);
        assertThat(account).containsEntry("state", "backing-off").containsEntry("consecutive_throttles", 1)
                .containsEntry("soon", true);
        assertThat(r.picker.canLookUp("default")).isFalse();
        ids.forEach(id -> assertThat(delivery(id)).containsEntry("state", "registered"));
    }

    @Test
    void theProofAsksNothingMoreOfARefusedAccount() throws Exception {
        UUID id = file("r1.jpg", "original", "icloud");
        Rig r = new Rig();
        r.uploadAll();
        web.lookupFaults.add(FakePhotosWeb.web(Kind.UNAVAILABLE, 200, "no photos service for this account"));
        long lookups = web.count("lookup");
        for (int pass = 0; pass < 5; pass++) {
            ledger.rows("update deliveries set next_check_at = now() - interval '1 second' where target = 'icloud' returning media_file_id");
            r.prover.check();
        }
        assertThat(web.count("lookup") - lookups).isEqualTo(1);
        assertThat(web.count("signIn")).as("no sign-in again for a refused account").isEqualTo(1);
        assertThat(delivery(id)).containsEntry("state", "registered");
        assertThat(r.picker.canLookUp("default")).isFalse();
    }

    @Test
    void anExpiredCopyIsRenewedFromIcloudpdsNewerSessionWithoutAskingTheHousehold() throws Exception {
        UUID id = file("renew.jpg", "original", "icloud");
        web.registerFaults.add(FakePhotosWeb.web(Kind.AUTH_EXPIRED, 421, "session expired"));
        Rig r = new Rig();
        r.newerCopies.addAll(List.of(false, true)); // the first sign-in's copy, then icloudpd's newer one
        r.uploadAll();
        assertThat(accountState()).isNotEqualTo("auth-needed");
        assertThat(web.count("signIn")).isEqualTo(2);
        assertThat(delivery(id)).containsEntry("state", "registered");
        assertThat(attempts()).containsExactly("upload:failed:0", "upload:success:1");
    }

    @Test
    void aFailedSignInIsNotRepeatedAtEveryPoll() throws Exception {
        UUID id = file("later.jpg", "original", "icloud");
        web.signInFaults.add(FakePhotosWeb.web(Kind.RETRYABLE, 503, "setup unavailable"));
        Rig r = new Rig();
        for (int poll = 0; poll < 5; poll++) {
            r.uploadAll();
        }
        assertThat(web.count("signIn")).isEqualTo(1);
        assertThat(attempts()).containsExactly("upload:failed:0");
        assertThat(delivery(id)).isNull();
        assertThat(r.picker.usable("default")).isFalse();
    }

    @Test
    void aMasterNotReturnedYetIsLookedUpAgainNotFailed() throws Exception {
        UUID id = file("indexing.jpg", "original", "icloud");
        Rig r = new Rig();
        r.uploadAll();
        web.masterHidden = true;
        r.prove(); // the proof timeout (1 s) passes: unproven, never failed
        assertThat(delivery(id)).containsEntry("state", "unproven");
        assertThat((String) delivery(id).get("last_error")).contains("master not found");
        web.masterHidden = false;
        ledger.rows("update deliveries set next_check_at = now() - interval '1 second' where target = 'icloud' returning media_file_id");
        r.prover.check();
        assertThat(delivery(id)).containsEntry("state", "confirmed");
    }

    @Test
    void theReceiptLeavesTheLedgerAtRegistration() throws Exception {
        UUID id = file("receipt.jpg", "original", "icloud");
        Rig r = new Rig();
        r.uploadAll();
        assertThat(delivery(id)).containsEntry("state", "registered");
        com.fasterxml.jackson.databind.JsonNode e = evidence(id);
        assertThat(e.has("receipt")).isFalse();
        assertThat(e.path("fileChecksum").asText()).isNotEmpty();
        assertThat(e.path("receiptSize").asLong()).isPositive();
    }

    private static String accountState() {
        return (String) ledger.rows("select state from icloud_accounts where account = 'default'").get(0).get("state");
    }

    private static List<String> attempts() {
        return ledger.rows("select kind, outcome, uploaded from icloud_attempts order by id").stream()
                .map(a -> a.get("kind") + ":" + a.get("outcome") + ":" + a.get("uploaded")).toList();
    }
}
