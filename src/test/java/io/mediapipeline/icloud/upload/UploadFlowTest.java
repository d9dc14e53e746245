package io.mediapipeline.icloud.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.icloud.web.IcloudWebException.Kind;
import io.mediapipeline.media.Hasher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The upload's state machine: what goes up, each step written before the next, and crashes that resume without a
 * second asset; caps, Live Photo pairs and local files.
 */
class UploadFlowTest extends UploadFlowBase {

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

}
