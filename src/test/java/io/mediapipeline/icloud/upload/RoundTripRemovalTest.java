package io.mediapipeline.icloud.upload;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.fixture.FixtureLibrary;
import io.mediapipeline.icloud.removal.Removal;
import io.mediapipeline.icloud.removal.Removal.Outcome;
import io.mediapipeline.icloud.removal.Removal.Plan;
import io.mediapipeline.icloud.removal.Removal.Refused;
import io.mediapipeline.icloud.removal.RemovalDecision;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The whole round trip against the fixture: an original icloudpd downloaded is in the library, its compressed copy
 * goes up through the real stage and is confirmed, and only then, only with a decision, only for an unambiguous and
 * unchanged match, is the original marked deleted (recoverable: flagged, not gone). The copy's asset never is.
 */
class RoundTripRemovalTest extends FixtureRigTest {

    private void uploadAndProve() throws Exception {
        parts.uploadAll();
        parts.prove();
    }

    private Removal removal() {
        return new Removal(ON, db.dataSource(), home.home(), parts.parts::signIn);
    }

    private FixtureLibrary.Asset now(FixtureLibrary.Asset a) {
        return fixture.library(FixtureRig.USER).asset(a.recordName()).orElseThrow();
    }

    @Test
    void theOriginalIsMarkedDeletedOnlyWithADecisionAndStaysRecoverable() throws Exception {
        UUID id = rig.file("IMG_5001.JPG", true);
        FixtureLibrary.Asset original = rig.downloaded(id);
        fixture.seedOriginal("IMG_5002.JPG", new byte[] {1, 2, 3}, original.assetDate()); // a neighbour
        uploadAndProve();
        assertThat(rig.state(id)).isEqualTo("confirmed");
        String copy = (String) rig.delivery(id).get("asset_record");
        Removal removal = removal();

        Outcome outcome = removal.plan(id);

        assertThat(outcome).isInstanceOf(Plan.class);
        Plan plan = (Plan) outcome;
        assertThat(plan.assetRecord()).isEqualTo(original.recordName());
        assertThat(fixture.count("records/modify")).as("planning deletes nothing").isZero();
        assertThat(now(original).deleted()).isFalse();

        Outcome done = removal.remove(RemovalDecision.approve(plan, "verify-cleanup", "copy confirmed byte-exact"));

        assertThat(done).isInstanceOf(Removal.Removed.class);
        FixtureLibrary.Asset after = now(original);
        assertThat(after.deleted()).as("in Recently Deleted").isTrue();
        assertThat(fixture.library(FixtureRig.USER).master(after.masterRef())).as("recoverable: the bytes are kept")
                .isPresent();
        assertThat(fixture.library(FixtureRig.USER).assets()).filteredOn(FixtureLibrary.Asset::deleted)
                .extracting(FixtureLibrary.Asset::recordName).containsExactly(original.recordName());
        assertThat(now(fixture.library(FixtureRig.USER).asset(copy).orElseThrow()).deleted()).isFalse();
        assertThat(rig.ledger.rows("select state from icloud_removals where id = ?", plan.id()).get(0))
                .containsEntry("state", "removed");
    }

    @Test
    void twoOriginalsWithTheSameNameSizeAndDateMeanNever() throws Exception {
        UUID id = rig.file("IMG_5010.JPG", true);
        FixtureLibrary.Asset original = rig.downloaded(id);
        FixtureLibrary.Asset twin = rig.downloaded(id); // the same bytes saved twice on the phone
        uploadAndProve();
        assertThat(rig.state(id)).isEqualTo("confirmed");

        Outcome outcome = removal().plan(id);

        assertThat(outcome).isInstanceOf(Refused.class);
        assertThat(((Refused) outcome).reason()).contains("2 assets match");
        assertThat(fixture.count("records/modify")).isZero();
        assertThat(now(original).deleted()).isFalse();
        assertThat(now(twin).deleted()).isFalse();
    }

    @Test
    void aChangedChangeTagBetweenPlanAndRemoveStopsIt() throws Exception {
        UUID id = rig.file("IMG_5020.JPG", true);
        FixtureLibrary.Asset original = rig.downloaded(id);
        uploadAndProve();
        Removal removal = removal();
        Plan plan = (Plan) removal.plan(id);
        fixture.library(FixtureRig.USER).touch(original.recordName()); // favourited on the phone meanwhile

        Outcome outcome = removal.remove(RemovalDecision.approve(plan, "verify-cleanup", "copy confirmed"));

        assertThat(outcome).isInstanceOf(Refused.class);
        assertThat(((Refused) outcome).reason()).contains("changed since the plan");
        assertThat(now(original).deleted()).isFalse();
        assertThat(fixture.count("records/modify")).isZero();
    }

    @Test
    void whenTheOriginalItselfWentUpItsAssetIsNeverDeleted() throws Exception {
        // compression kept the original: the upload is a 409 duplicate of the very asset icloudpd downloaded
        UUID id = rig.file("IMG_5030.JPG", false);
        FixtureLibrary.Asset original = rig.downloaded(id);
        uploadAndProve();
        assertThat(rig.state(id)).isEqualTo("confirmed");
        assertThat(rig.delivery(id)).containsEntry("asset_record", original.recordName());
        assertThat(fixture.assetsCreated()).isZero();

        Outcome outcome = removal().plan(id);

        assertThat(outcome).isInstanceOf(Refused.class);
        assertThat(((Refused) outcome).reason()).contains("is the one its iCloud delivery points to");
        assertThat(now(original).deleted()).isFalse();
        assertThat(fixture.count("records/modify")).isZero();
    }

    @Test
    void withoutAConfirmedCopyNothingIsPlanned() throws Exception {
        UUID id = rig.file("IMG_5040.JPG", true);
        FixtureLibrary.Asset original = rig.downloaded(id);
        fixture.faults().wrongChecksum(true);
        uploadAndProve();
        assertThat(rig.state(id)).isEqualTo("failed");

        Outcome outcome = removal().plan(id);

        assertThat(((Refused) outcome).reason()).contains("failed, not confirmed");
        assertThat(now(original).deleted()).isFalse();
    }
}
