package io.mediapipeline.icloud.upload;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The proof: a file is confirmed only when iCloud holds exactly what was sent; not found yet is looked up again
 * and then unproven, anything that differs fails the file with the reason; `once` waits for what may still move.
 */
class UploadProofTest extends UploadFlowBase {

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

}
