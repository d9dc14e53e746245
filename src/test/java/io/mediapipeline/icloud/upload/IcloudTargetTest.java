package io.mediapipeline.icloud.upload;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.fixture.FixtureLibrary;
import io.mediapipeline.flow.OriginalRemoval;
import io.mediapipeline.flow.OriginalRemoval.State;
import io.mediapipeline.flow.TargetProof;
import io.mediapipeline.flow.TargetProof.Verdict;
import io.mediapipeline.media.Hasher;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The iCloud target's beans for verify, cleanup and scrub against the fixture server, with the upload's real parts:
 * the proof from the ledger, the removal of an original only when all its rules hold, and the restore source that
 * hands out only the original's bytes.
 */
class IcloudTargetTest extends FixtureRigTest {

    @Override
    String[] overrides() {
        return new String[] {"pipeline.target.icloud.local-files", "false"};
    }

    private UUID fromAFolder(UUID id) {
        rig.ledger.rows("update media_files set source = 'folder', source_path = '/library/x.jpg' where id = ? returning id", id);
        return id;
    }

    private OriginalRemoval removal() {
        return new IcloudOriginalRemoval(new Originals(ON, db.dataSource(), home.home(), () -> parts.parts));
    }

    private IcloudCopySource copies() {
        return new IcloudCopySource(new Originals(ON, db.dataSource(), home.home(), () -> parts.parts));
    }

    private boolean deleted(FixtureLibrary.Asset a) {
        return fixture.library(FixtureRig.USER).asset(a.recordName()).orElseThrow().deleted();
    }

    private String sha(UUID id) {
        return (String) rig.ledger.rows("select sha256 from media_files where id = ?", id).get(0).get("sha256");
    }

    private long size(UUID id) {
        return ((Number) rig.ledger.rows("select size from media_files where id = ?", id).get(0).get("size")).longValue();
    }

    private long removalRows(UUID id) {
        return ((Number) rig.ledger.rows("select count(*) as n from icloud_removals where media_file_id = ?", id)
                .get(0).get("n")).longValue();
    }

    @Test
    void theProofReadsTheLedgerAndAFolderFileIsNotItsConcern() throws Exception {
        UUID confirmed = rig.file("IMG_6001.JPG", true);
        UUID folder = fromAFolder(rig.file("IMG_6002.JPG", true));
        parts.uploadAll();
        parts.prove();
        UUID waiting = rig.file("IMG_6003.JPG", true);
        long requests = fixture.requests().size();

        Map<UUID, Verdict> v = new IcloudProof(parts.cfg, db.dataSource()).check(List.of(confirmed, folder, waiting));

        assertThat(v.get(confirmed).state()).isEqualTo(TargetProof.State.PROVEN);
        assertThat(v.get(confirmed).evidence()).containsEntry("account", "default")
                .containsEntry("asset_record", rig.delivery(confirmed).get("asset_record"))
                .containsEntry("uploaded_sha256", rig.delivery(confirmed).get("uploaded_sha256"))
                .containsKeys("master_record", "uploaded_size", "proven_at", "how");
        assertThat(v.get(folder).state()).isEqualTo(TargetProof.State.PROVEN);
        assertThat(v.get(folder).evidence()).containsEntry("applies", false);
        assertThat(v.get(waiting).state()).isEqualTo(TargetProof.State.WAITING);
        assertThat(fixture.requests()).as("no call to Apple").hasSize((int) requests);
    }

    @Test
    void theOriginalGoesOnlyWhenItsCopyIsConfirmedAndADryRunChangesNothing() throws Exception {
        UUID id = rig.file("IMG_6010.JPG", true);
        FixtureLibrary.Asset original = rig.downloaded(id);
        UUID folder = fromAFolder(rig.file("IMG_6011.JPG", true));
        UUID failed = rig.file("IMG_6012.JPG", true);
        FixtureLibrary.Asset failedOriginal = rig.downloaded(failed);
        parts.uploadAll();
        parts.prove();
        rig.ledger.rows("update deliveries set state = 'failed', last_error = 'checksum differs' where media_file_id = ?"
                + " returning id", failed);

        OriginalRemoval.Outcome dry = removal().remove(id, "cleanup", "verified; copy confirmed", true);

        assertThat(dry.state()).isEqualTo(State.WOULD_REMOVE);
        assertThat(dry.detail()).contains(original.recordName());
        assertThat(fixture.count("records/modify")).isZero();
        assertThat(deleted(original)).isFalse();

        assertThat(removal().remove(folder, "cleanup", "verified", false).state()).isEqualTo(State.NOT_APPLICABLE);
        assertThat(removalRows(folder)).as("the removal's table is not touched").isZero();

        OriginalRemoval.Outcome refused = removal().remove(failed, "cleanup", "verified", false);
        assertThat(refused.state()).isEqualTo(State.REFUSED);
        assertThat(refused.detail()).contains("failed, not confirmed");
        assertThat(deleted(failedOriginal)).isFalse();

        OriginalRemoval.Outcome done = removal().remove(id, "cleanup", "verified; copy confirmed", false);

        assertThat(done.state()).isEqualTo(State.REMOVED);
        assertThat(deleted(original)).isTrue();
        assertThat(fixture.library(FixtureRig.USER).assets()).filteredOn(FixtureLibrary.Asset::deleted)
                .extracting(FixtureLibrary.Asset::recordName).containsExactly(original.recordName());
    }

    @Test
    void aBlockedAccountIsNotAsked() throws Exception {
        UUID id = rig.file("IMG_6020.JPG", true);
        FixtureLibrary.Asset original = rig.downloaded(id);
        parts.uploadAll();
        parts.prove();
        parts.parts.close(); // its session is signed out: asking now would sign in again
        parts.shared.apply("default", "auth-needed", "the session expired");
        long requests = fixture.requests().size();

        OriginalRemoval.Outcome outcome = removal().remove(id, "cleanup", "verified", false);
        Optional<String> copy = copies().fetch(id, sha(id), size(id), tmp.resolve("blocked.restore"));

        assertThat(outcome.state()).isEqualTo(State.FAILED);
        assertThat(outcome.detail()).contains("not asked now");
        assertThat(copy).isEmpty();
        assertThat(fixture.requests()).as("no call to Apple").hasSize((int) requests);
        assertThat(deleted(original)).isFalse();
    }

    @Test
    void theRestoreSourceGivesTheOriginalsBytesOrNothing() throws Exception {
        parts.close();
        parts = rig.parts("pipeline.target.icloud.local-files", "true"); // a folder's file goes up too
        UUID kept = rig.file("IMG_6030.JPG", false); // compression kept the original: it went up itself
        UUID compressed = rig.file("IMG_6031.JPG", true);
        rig.downloaded(compressed); // its original is in the library icloudpd downloaded it from
        UUID onlyCompressed = fromAFolder(rig.file("IMG_6032.JPG", true));
        parts.uploadAll();
        parts.prove();
        assertThat(rig.states(List.of(kept, compressed, onlyCompressed)).values()).containsOnly("confirmed");

        for (UUID id : List.of(kept, compressed)) {
            Path into = tmp.resolve(id + ".restore");
            Optional<String> from = copies().fetch(id, sha(id), size(id), into);
            assertThat(from).as("a copy of " + id).hasValueSatisfying(d -> assertThat(d).contains("iCloud account default"));
            assertThat(Hasher.sha256(into)).isEqualTo(sha(id));
        }
        Path none = tmp.resolve("none.restore");
        assertThat(copies().fetch(onlyCompressed, sha(onlyCompressed), size(onlyCompressed), none)).isEmpty();
        assertThat(none).doesNotExist();
    }
}
