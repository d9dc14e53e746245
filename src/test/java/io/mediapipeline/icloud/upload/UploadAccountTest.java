package io.mediapipeline.icloud.upload;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.icloud.IcloudStore;
import io.mediapipeline.icloud.web.IcloudWebException;
import io.mediapipeline.icloud.web.IcloudWebException.Kind;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The account: throttles, expired sessions, refusals and the hourly budget it shares with the download; an account
 * that backs off or was refused is asked nothing, neither by uploads nor by the proof.
 */
class UploadAccountTest extends UploadFlowBase {

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
    void anUnreachableIcloudPausesTheAccountAndSpendsNoTryOfAFile() throws Exception {
        UUID first = file("down1.jpg", "original", "icloud");
        UUID second = file("down2.jpg", "original", "icloud");
        for (int i = 0; i < 4; i++) { // more polls than max-attempts while iCloud is down
            web.reserveFaults.add(IcloudWebException.unreachable("createUploadUrl: network error (ConnectException)"));
        }
        web.sendFaults.add(IcloudWebException.unreachable("upload: network error (IOException)"));
        Rig r = new Rig();
        for (int poll = 0; poll < 5; poll++) {
            UploadBatch b = r.uploader.pickBatch();
            assertThat(b).as("poll " + poll + ": a failed reach is no backoff").isNotNull();
            b.getGroups().forEach(r.uploader::upload);
            r.uploader.finishBatch(b);
            assertThat(b.stopped()).as("poll " + poll + ": the batch stops at its first file").isNotNull();
        }
        assertThat(web.library).isEmpty();
        assertThat(ledger.rows("select 1 from deliveries where target = 'icloud' and (attempts > 0 or state = 'failed')"))
                .as("no file was charged for the outage").isEmpty();
        assertThat(ledger.rows("select message from pipeline_logs where message like '%uploads paused: iCloud cannot be reached%'"))
                .as("said once, not at every poll").hasSize(1);

        r.uploadAll();
        r.prove();
        assertThat(delivery(first)).containsEntry("state", "confirmed").containsEntry("attempts", 0);
        assertThat(delivery(second)).containsEntry("state", "confirmed").containsEntry("attempts", 0);
        assertThat(web.library).hasSize(2);
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

}
