package io.mediapipeline.icloud.removal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.icloud.removal.Removal.Outcome;
import io.mediapipeline.icloud.removal.Removal.Plan;
import io.mediapipeline.icloud.removal.Removal.Refused;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Removal of an original from iCloud against an in-memory library (the witness) and a real ledger: the original is
 * marked deleted only with a decision, only for an unambiguous match, only while unchanged since the plan, never
 * the uploaded copy, and the outcome is what the library and icloud_removals both show.
 */
class RemovalTest {

    private static final Instant TAKEN = Instant.parse("2024-05-01T10:15:30Z");
    private static final RemovalConfig ON = new RemovalConfig(true, false, Duration.ofHours(24));

    @TempDir
    static Path dir;

    private static PipelineHome home;
    private static Database db;
    private static JdbcTemplate sql;

    private final FakeLibrary library = new FakeLibrary();

    @BeforeAll
    static void openLedger() {
        home = new PipelineHome(dir);
        db = home.openLedger();
        sql = new JdbcTemplate(db.dataSource());
        // the upload stage's migration adds these to deliveries; without it (this branch alone) the test adds them
        sql.execute("alter table deliveries add column if not exists account text,"
                + " add column if not exists asset_record text, add column if not exists master_record text");
    }

    @AfterAll
    static void closeLedger() {
        if (db != null) {
            db.close();
        }
    }

    private Removal removal(RemovalConfig config) {
        return new Removal(config, db.dataSource(), home.home(), account -> {
            assertThat(account).isEqualTo("anna");
            return library;
        });
    }

    @Test
    void theOriginalIsMarkedDeletedOnlyAfterTheDecisionIsGiven() {
        UUID file = downloaded("IMG_0001.HEIC", 2_000_000, TAKEN);
        FakeLibrary.Item original = library.add("IMG_0001.HEIC", 2_000_000, TAKEN);
        FakeLibrary.Item copy = library.add("IMG_0001.HEIC", 700_000, TAKEN);
        library.add("IMG_0002.HEIC", 2_000_000, TAKEN.plusSeconds(60));
        confirmed(file, copy);
        Removal removal = removal(ON);

        Plan plan = (Plan) removal.plan(file);

        assertThat(plan.assetRecord()).isEqualTo(original.record);
        assertThat(plan.changeTag()).isEqualTo(original.changeTag);
        assertThat(library.deleteCalls).as("planning changes nothing").isEmpty();
        assertThat(row(plan.id())).containsEntry("state", "planned").containsEntry("dry_run", false)
                .containsEntry("asset_record", original.record).containsEntry("account", "anna");

        Outcome done = removal.remove(RemovalDecision.approve(plan, "verify-cleanup", "copy confirmed byte-exact"));

        assertThat(done).isInstanceOf(Removal.Removed.class);
        assertThat(library.deleted(original)).isTrue();
        assertThat(library.items.values().stream().filter(library::deleted)).containsExactly(original);
        assertThat(row(plan.id())).containsEntry("state", "removed").containsEntry("approved_by", "verify-cleanup");
        assertThat(sql.queryForList("select to_state from file_events where media_file_id = ? and entity = 'icloud-removal'"
                + " order by id", String.class, file)).containsExactly("planned", "removing", "removed");
    }

    @Test
    void aDecisionNeedsWhoAndWhy() {
        UUID file = downloaded("IMG_0003.HEIC", 1_500_000, TAKEN);
        library.add("IMG_0003.HEIC", 1_500_000, TAKEN);
        confirmed(file, library.add("IMG_0003.HEIC", 500_000, TAKEN));
        Plan plan = (Plan) removal(ON).plan(file);

        assertThatThrownBy(() -> RemovalDecision.approve(plan, "verify-cleanup", " ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RemovalDecision.approve(null, "verify-cleanup", "proof")).isInstanceOf(NullPointerException.class);
        assertThat(library.deleteCalls).isEmpty();
    }

    @Test
    void twoMatchingAssetsMeanNeverDelete() {
        UUID file = downloaded("IMG_0010.JPG", 3_000_000, TAKEN);
        library.add("IMG_0010.JPG", 3_000_000, TAKEN);
        library.add("IMG_0010.JPG", 3_000_000, TAKEN.plusSeconds(3600));
        confirmed(file, library.add("IMG_0010.JPG", 900_000, TAKEN));

        Outcome outcome = removal(ON).plan(file);

        assertThat(outcome).isInstanceOf(Refused.class);
        assertThat(((Refused) outcome).reason()).startsWith("2 assets match");
        assertThat(row(outcome.id())).containsEntry("state", "refused");
        assertThat(library.deleteCalls).isEmpty();
    }

    @Test
    void noMatchingAssetMeansNeverDelete() {
        UUID file = downloaded("IMG_0020.JPG", 3_000_000, TAKEN);
        library.add("IMG_0020.JPG", 3_000_001, TAKEN); // one byte off: another file
        library.add("IMG_0020.JPG", 3_000_000, TAKEN.plus(Duration.ofDays(3))); // same name and size, another day
        library.add("IMG_0021.JPG", 3_000_000, TAKEN);
        confirmed(file, library.add("IMG_0020.JPG", 900_000, TAKEN));

        Outcome outcome = removal(ON).plan(file);

        assertThat(((Refused) outcome).reason()).startsWith("no asset matches name+size+date");
        assertThat(row(outcome.id())).containsEntry("state", "refused");
        assertThat(library.deleteCalls).isEmpty();
    }

    @Test
    void anAssetQueriedWithoutItsMasterCannotBeRuledOut() {
        UUID file = downloaded("IMG_0025.JPG", 3_000_000, TAKEN);
        library.add("IMG_0025.JPG", 3_000_000, TAKEN);
        confirmed(file, library.add("IMG_0025.JPG", 900_000, TAKEN));
        library.queryWithoutMasters = true;

        Outcome outcome = removal(ON).plan(file);

        assertThat(((Refused) outcome).reason()).contains("came without its master");
    }

    @Test
    void aChangedChangeTagBetweenPlanAndRemoveStopsIt() {
        UUID file = downloaded("IMG_0030.HEIC", 2_500_000, TAKEN);
        FakeLibrary.Item original = library.add("IMG_0030.HEIC", 2_500_000, TAKEN);
        confirmed(file, library.add("IMG_0030.HEIC", 800_000, TAKEN));
        Removal removal = removal(ON);
        Plan plan = (Plan) removal.plan(file);
        library.edit(original); // someone favourites it on the phone meanwhile

        Outcome outcome = removal.remove(RemovalDecision.approve(plan, "verify-cleanup", "copy confirmed"));

        assertThat(((Refused) outcome).reason()).contains("changed since the plan");
        assertThat(library.deleteCalls).isEmpty();
        assertThat(library.deleted(original)).isFalse();
        assertThat(row(plan.id())).containsEntry("state", "refused");
    }

    @Test
    void theAssetTheUploadPointsToIsNeverRemoved() {
        // the gate kept the original, so the upload was a 409 duplicate of the very original asset
        UUID file = downloaded("IMG_0040.HEIC", 1_800_000, TAKEN);
        FakeLibrary.Item original = library.add("IMG_0040.HEIC", 1_800_000, TAKEN);
        confirmed(file, original);

        Outcome outcome = removal(ON).plan(file);

        assertThat(((Refused) outcome).reason()).contains("is the one its iCloud delivery points to");
        assertThat(row(outcome.id())).containsEntry("state", "refused");
        assertThat(library.deleteCalls).isEmpty();
        assertThat(library.deleted(original)).isFalse();
    }

    @Test
    void anAssetSharingTheUploadsMasterIsNeverRemoved() {
        UUID file = downloaded("IMG_0041.HEIC", 1_800_000, TAKEN);
        FakeLibrary.Item original = library.add("IMG_0041.HEIC", 1_800_000, TAKEN);
        sql.update("insert into deliveries (media_file_id, target, state, account, asset_record, master_record)"
                + " values (?, 'icloud', 'confirmed', 'anna', 'OTHER-ASSET', ?)", file, original.master);

        Outcome outcome = removal(ON).plan(file);

        assertThat(((Refused) outcome).reason()).contains("shares master");
        assertThat(library.deleteCalls).isEmpty();
    }

    @Test
    void withoutAConfirmedDeliveryNothingIsPlanned() {
        UUID unconfirmed = downloaded("IMG_0050.HEIC", 1_000_000, TAKEN);
        library.add("IMG_0050.HEIC", 1_000_000, TAKEN);
        sql.update("insert into deliveries (media_file_id, target, state, account) values (?, 'icloud', 'failed', 'anna')",
                unconfirmed);
        UUID none = downloaded("IMG_0051.HEIC", 1_000_000, TAKEN);
        library.add("IMG_0051.HEIC", 1_000_000, TAKEN);

        assertThat(((Refused) removal(ON).plan(unconfirmed)).reason()).isEqualTo("its iCloud delivery is failed, not confirmed");
        assertThat(((Refused) removal(ON).plan(none)).reason()).isEqualTo("no iCloud delivery: its copy is not in iCloud");
        assertThat(library.deleteCalls).isEmpty();
    }

    @Test
    void noCaptureDateMeansNeverDelete() {
        UUID file = downloaded("IMG_0060.HEIC", 1_000_000, null);
        confirmed(file, library.add("IMG_0060.HEIC", 300_000, TAKEN));

        assertThat(((Refused) removal(ON).plan(file)).reason()).startsWith("no capture date");
    }

    @Test
    void aLivePhotoWhoseOtherHalfIsNotInIcloudStays() {
        UUID still = downloaded("IMG_0070.HEIC", 1_000_000, TAKEN);
        UUID motion = downloaded("IMG_0070_HEVC.MOV", 4_000_000, TAKEN);
        sql.update("update media_files set live_pair_id = ? where id = ?", motion, still);
        sql.update("update media_files set live_pair_id = ? where id = ?", still, motion);
        library.add("IMG_0070.HEIC", 1_000_000, TAKEN);
        confirmed(still, library.add("IMG_0070.HEIC", 300_000, TAKEN));

        assertThat(((Refused) removal(ON).plan(still)).reason()).contains("other half of its Live Photo");
    }

    @Test
    void dryRunRecordsWhatWouldGoAndChangesNothing() {
        UUID file = downloaded("IMG_0080.HEIC", 1_000_000, TAKEN);
        FakeLibrary.Item original = library.add("IMG_0080.HEIC", 1_000_000, TAKEN);
        confirmed(file, library.add("IMG_0080.HEIC", 300_000, TAKEN));
        Removal removal = removal(new RemovalConfig(true, true, Duration.ofHours(24)));

        Plan plan = (Plan) removal.plan(file);
        Outcome outcome = removal.remove(RemovalDecision.approve(plan, "operator", "trying it"));

        assertThat(plan.dryRun()).isTrue();
        assertThat(outcome).isInstanceOf(Refused.class);
        assertThat(library.deleteCalls).isEmpty();
        assertThat(library.deleted(original)).isFalse();
        assertThat(row(plan.id())).containsEntry("state", "planned").containsEntry("dry_run", true);
        // a dry-run plan stays a listing even once dry run is switched off
        assertThat(removal(ON).remove(RemovalDecision.approve(plan, "operator", "now for real"))).isInstanceOf(Refused.class);
        assertThat(library.deleteCalls).isEmpty();
    }

    @Test
    void switchedOffRefusesAndChangesNothing() {
        UUID file = downloaded("IMG_0090.HEIC", 1_000_000, TAKEN);
        FakeLibrary.Item original = library.add("IMG_0090.HEIC", 1_000_000, TAKEN);
        confirmed(file, library.add("IMG_0090.HEIC", 300_000, TAKEN));
        Removal removal = removal(new RemovalConfig(false, false, Duration.ofHours(24)));

        Plan plan = (Plan) removal.plan(file);
        Outcome outcome = removal.remove(RemovalDecision.approve(plan, "verify-cleanup", "copy confirmed"));

        assertThat(((Refused) outcome).reason()).contains("pipeline.target.icloud.removal.enabled=false");
        assertThat(library.deleteCalls).isEmpty();
        assertThat(library.deleted(original)).isFalse();
        assertThat(row(plan.id())).containsEntry("state", "refused");
    }

    @Test
    void aDeleteThatDoesNotReadBackAsDeletedFails() {
        UUID file = downloaded("IMG_0100.HEIC", 1_000_000, TAKEN);
        FakeLibrary.Item original = library.add("IMG_0100.HEIC", 1_000_000, TAKEN);
        confirmed(file, library.add("IMG_0100.HEIC", 300_000, TAKEN));
        library.ignoreDeletes = true;
        Removal removal = removal(ON);
        Plan plan = (Plan) removal.plan(file);

        Outcome outcome = removal.remove(RemovalDecision.approve(plan, "verify-cleanup", "copy confirmed"));

        assertThat(outcome).isInstanceOf(Removal.Failed.class);
        assertThat(library.deleteCalls).containsExactly(original.record);
        assertThat(row(plan.id())).containsEntry("state", "failed")
                .containsEntry("reason", "the delete was answered but the asset reads back not deleted");
    }

    @Test
    void aDeleteWhoseAnswerIsLostButThatReadsBackDeletedIsRemoved() {
        UUID file = downloaded("IMG_0101.HEIC", 1_000_000, TAKEN);
        FakeLibrary.Item original = library.add("IMG_0101.HEIC", 1_000_000, TAKEN);
        confirmed(file, library.add("IMG_0101.HEIC", 300_000, TAKEN));
        library.loseDeleteAnswer = true;
        Removal removal = removal(ON);
        Plan plan = (Plan) removal.plan(file);

        Outcome outcome = removal.remove(RemovalDecision.approve(plan, "verify-cleanup", "copy confirmed"));

        assertThat(outcome).isInstanceOf(Removal.Removed.class);
        assertThat(original.deleted).isTrue();
        assertThat(row(plan.id())).containsEntry("state", "removed");
    }

    @Test
    void aPlanIsCarriedOutOnce() {
        UUID file = downloaded("IMG_0110.HEIC", 1_000_000, TAKEN);
        library.add("IMG_0110.HEIC", 1_000_000, TAKEN);
        confirmed(file, library.add("IMG_0110.HEIC", 300_000, TAKEN));
        Removal removal = removal(ON);
        Plan plan = (Plan) removal.plan(file);
        RemovalDecision go = RemovalDecision.approve(plan, "verify-cleanup", "copy confirmed");

        assertThat(removal.remove(go)).isInstanceOf(Removal.Removed.class);
        Outcome again = removal.remove(go);

        assertThat(((Refused) again).reason()).contains("is not open (removed)");
        assertThat(library.deleteCalls).hasSize(1);
        assertThat(row(plan.id())).containsEntry("state", "removed");
    }

    @Test
    void aDeliveryResetAfterThePlanStopsTheRemoval() {
        UUID file = downloaded("IMG_0120.HEIC", 1_000_000, TAKEN);
        FakeLibrary.Item original = library.add("IMG_0120.HEIC", 1_000_000, TAKEN);
        confirmed(file, library.add("IMG_0120.HEIC", 300_000, TAKEN));
        Removal removal = removal(ON);
        Plan plan = (Plan) removal.plan(file);
        sql.update("update deliveries set state = 'failed' where media_file_id = ?", file);

        Outcome outcome = removal.remove(RemovalDecision.approve(plan, "verify-cleanup", "copy confirmed"));

        assertThat(((Refused) outcome).reason()).isEqualTo("its iCloud delivery is failed, not confirmed");
        assertThat(library.deleted(original)).isFalse();
    }

    @Test
    void aDeliveryThatNowPointsToThePlannedAssetStopsTheRemoval() {
        // after the plan the copy went up again and came back as a duplicate of the very asset planned for removal
        UUID file = downloaded("IMG_0125.HEIC", 1_000_000, TAKEN);
        FakeLibrary.Item original = library.add("IMG_0125.HEIC", 1_000_000, TAKEN);
        confirmed(file, library.add("IMG_0125.HEIC", 300_000, TAKEN));
        Removal removal = removal(ON);
        Plan plan = (Plan) removal.plan(file);
        sql.update("update deliveries set asset_record = ?, master_record = ? where media_file_id = ?",
                original.record, original.master, file);

        Outcome outcome = removal.remove(RemovalDecision.approve(plan, "verify-cleanup", "copy confirmed"));

        assertThat(((Refused) outcome).reason()).contains("is the one its iCloud delivery points to");
        assertThat(library.deleteCalls).isEmpty();
        assertThat(row(plan.id())).containsEntry("state", "refused");
    }

    @Test
    void anAssetDeletedBetweenPlanAndRemoveIsNotDeletedAgain() {
        UUID file = downloaded("IMG_0126.HEIC", 1_000_000, TAKEN);
        FakeLibrary.Item original = library.add("IMG_0126.HEIC", 1_000_000, TAKEN);
        confirmed(file, library.add("IMG_0126.HEIC", 300_000, TAKEN));
        Removal removal = removal(ON);
        Plan plan = (Plan) removal.plan(file);
        original.deleted = true; // the owner deleted it on the phone meanwhile

        Outcome outcome = removal.remove(RemovalDecision.approve(plan, "verify-cleanup", "copy confirmed"));

        assertThat(((Refused) outcome).reason()).contains("is already deleted");
        assertThat(library.deleteCalls).isEmpty();
    }

    @Test
    void aFileFromALocalFolderHasNoOriginalInIcloud() {
        UUID file = downloaded("IMG_0130.HEIC", 1_000_000, TAKEN);
        sql.update("update media_files set source = 'folder', source_path = '/mnt/old/IMG_0130.HEIC' where id = ?", file);
        library.add("IMG_0130.HEIC", 1_000_000, TAKEN);
        confirmed(file, library.add("IMG_0130.HEIC", 300_000, TAKEN));

        assertThat(((Refused) removal(ON).plan(file)).reason()).startsWith("not downloaded from iCloud");
        assertThat(library.deleteCalls).isEmpty();
    }

    private UUID downloaded(String name, long size, Instant captured) {
        byte[] sha = new byte[32];
        new SecureRandom().nextBytes(sha);
        String kind = name.endsWith(".MOV") ? "video" : "photo";
        return sql.queryForObject("""
                insert into media_files (sha256, size, kind, format, extension, source, original_name, source_path, captured_at)
                values (?, ?, ?, 'test', ?, 'icloud', ?, ?, ?) returning id""", UUID.class,
                HexFormat.of().formatHex(sha), size, kind, name.substring(name.lastIndexOf('.') + 1).toLowerCase(), name,
                home.home().resolve("inbox/icloud/anna/2024/05/01").resolve(name).toString(),
                captured == null ? null : Timestamp.from(captured));
    }

    /** The upload stage's proof: a confirmed delivery to the account, pointing to the uploaded copy's asset. */
    private void confirmed(UUID file, FakeLibrary.Item copy) {
        sql.update("insert into deliveries (media_file_id, target, state, account, asset_record, master_record)"
                + " values (?, 'icloud', 'confirmed', 'anna', ?, ?)", file, copy.record, copy.master);
    }

    private Map<String, Object> row(long id) {
        List<Map<String, Object>> rows = sql.queryForList("select * from icloud_removals where id = ?", id);
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }
}
