package io.mediapipeline.icloud.upload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A Live Photo goes up to iCloud as one item: both halves in one group of one batch, once both copies are decided;
 * never one half alone while the other is still on its way, except past live-pair-wait-seconds for a half whose
 * other half never came.
 */
class LivePhotoUploadTest extends UploadFlowBase {

    private static void pair(UUID a, UUID b, String contentId) {
        ledger.rows("update media_files set live_pair_id = ?, content_identifier = ? where id = ? returning id", b, contentId, a);
        ledger.rows("update media_files set live_pair_id = ?, content_identifier = ? where id = ? returning id", a, contentId, b);
    }

    @Test
    void aHalfWaitsForItsPartnersCopyThenBothGoInOneGroupAndAreConfirmed() throws Exception {
        UUID still = file("IMG_0100.JPG", "compressed", "icloud");
        UUID motion = file("IMG_0100.MOV", "compressed", "icloud");
        ledger.rows("update media_files set compress_decision = null where id = ? returning id", motion);
        pair(still, motion, "CID-UP-1");
        Rig r = new Rig();

        assertThat(r.uploadAll()).as("the still does not go up while its movie is not decided").isEmpty();
        assertThat(delivery(still)).isNull();

        ledger.rows("update media_files set compress_decision = 'original' where id = ? returning id", motion);
        List<UploadBatch> batches = r.uploadAll();

        assertThat(batches).hasSize(1);
        assertThat(batches.get(0).getGroups()).hasSize(1);
        assertThat(batches.get(0).getGroups().get(0).files()).extracting(UploadLedger.Candidate::id)
                .containsExactlyInAnyOrder(still, motion);
        r.prove();
        assertThat(delivery(still)).containsEntry("state", "confirmed");
        assertThat(delivery(motion)).containsEntry("state", "confirmed");
        assertThat(web.library).hasSize(2);
    }

    @Test
    void aHalfWithAnAppleIdAndNoPartnerWaitsThenGoesAlone() throws Exception {
        UUID still = file("IMG_0200.JPG", "compressed", "icloud");
        ledger.rows("update media_files set content_identifier = 'CID-UP-2' where id = ? returning id", still);

        assertThat(new Rig().uploadAll()).as("within the wait after its ingest").isEmpty();
        assertThat(delivery(still)).isNull();

        new Rig("pipeline.target.icloud.live-pair-wait-seconds", "0").uploadAll();
        assertThat(delivery(still)).containsEntry("state", "registered");
    }

    @Test
    void aHalfWhosePartnerIsInErrorGoesAloneAfterTheWaitNamingBoth() throws Exception {
        UUID still = file("IMG_0400.JPG", "compressed", "icloud");
        UUID motion = file("IMG_0400.MOV", "original", "icloud");
        pair(still, motion, "CID-UP-4");
        ledger.rows("update media_files set status = 'error', error = 'unreadable movie', compress_decision = null"
                + " where id = ? returning id", motion);
        Rig waiting = new Rig();
        assertThat(waiting.uploadAll()).as("within the wait its partner may still come right").isEmpty();
        assertThat(waiting.picker.pending(java.time.Duration.ZERO).values()).flatExtracting(v -> v)
                .extracting(UploadLedger.Candidate::id).as("`once` counts it as work: it goes when the wait ends")
                .contains(still);

        new Rig("pipeline.target.icloud.live-pair-wait-seconds", "0").uploadAll();
        assertThat(delivery(still)).containsEntry("state", "registered");
        assertThat(delivery(motion)).isNull();
        assertThat(ledger.rows("select message from pipeline_logs where level = 'warn' and media_file_id = ?", still))
                .extracting(r -> (String) r.get("message")).singleElement().asString()
                .contains("IMG_0400.JPG").contains("IMG_0400.MOV").contains("in error").contains("unreadable movie");
    }

    @Test
    void aLateHalfFollowsItsPartnerAlreadyUp() throws Exception {
        UUID still = file("IMG_0300.JPG", "compressed", "icloud");
        ledger.rows("update media_files set content_identifier = 'CID-UP-3' where id = ? returning id", still);
        Rig r = new Rig("pipeline.target.icloud.live-pair-wait-seconds", "0");
        r.uploadAll();
        r.prove();
        assertThat(delivery(still)).containsEntry("state", "confirmed");

        UUID motion = file("IMG_0300.MOV", "original", "icloud");
        pair(still, motion, "CID-UP-3");
        new Rig().uploadAll();
        assertThat(delivery(motion)).containsEntry("state", "registered");
    }
}
