package io.mediapipeline.icloud.upload;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.flow.OriginalRemoval;
import io.mediapipeline.ledger.LedgerSql;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The movie of a Live Photo has no iCloud asset of its own: it is removed with its still's asset, never before, and
 * the answer is recorded for the movie too (cleanup's back-off and listing read it).
 */
class LiveMotionOriginalTest extends UploadFlowBase {

    @Test
    void theMovieGoesOnlyWithItsStillsAsset() throws Exception {
        UUID still = file("IMG_0700.JPG", "original", "icloud");
        UUID movie = file("IMG_0700.MOV", "original", "icloud");
        pair(still, movie, "CID-0700", "CID-0700");
        LiveMotionOriginal motion = new LiveMotionOriginal(new LedgerSql(db.dataSource()));

        assertThat(motion.answer(still, false)).as("the still is removed by its own plan").isEmpty();
        OriginalRemoval.Outcome before = motion.answer(movie, false).orElseThrow();
        assertThat(before.state()).isEqualTo(OriginalRemoval.State.REFUSED);
        assertThat(before.detail()).contains("not removed yet");

        ledger.rows("""
                insert into icloud_removals (media_file_id, account, asset_record, state, dry_run)
                values (?, 'default', 'ASSET-0700', 'planned', true) returning id""", still);
        assertThat(motion.answer(movie, true).orElseThrow().state()).isEqualTo(OriginalRemoval.State.WOULD_REMOVE);
        assertThat(motion.answer(movie, false).orElseThrow().state()).as("a dry run's plan removes nothing")
                .isEqualTo(OriginalRemoval.State.REFUSED);

        ledger.rows("""
                insert into icloud_removals (media_file_id, account, asset_record, state, dry_run)
                values (?, 'default', 'ASSET-0700', 'removed', false) returning id""", still);
        OriginalRemoval.Outcome after = motion.answer(movie, false).orElseThrow();
        assertThat(after.state()).isEqualTo(OriginalRemoval.State.REMOVED);
        assertThat(after.detail()).contains("ASSET-0700");
        assertThat(ledger.rows("select state, dry_run, asset_record from icloud_removals where media_file_id = ? order by id",
                movie)).extracting(r -> r.get("state") + " " + r.get("dry_run") + " " + r.get("asset_record"))
                .containsExactly("refused false null", "planned true ASSET-0700", "refused false null",
                        "removed false ASSET-0700");
    }

    @Test
    void onlyAPairThatIsProvablyOneAssetAnswersForTheMovie() throws Exception {
        LiveMotionOriginal motion = new LiveMotionOriginal(new LedgerSql(db.dataSource()));
        // two different content ids: two Live Photos that share a name, the movie has an asset of its own
        UUID still = removed(file("IMG_0800.HEIC", "original", "icloud"), "ASSET-0800");
        UUID movie = file("IMG_0800_HEVC.MOV", "original", "icloud");
        pair(still, movie, "CID-STILL", "CID-OTHER");
        assertThat(motion.answer(movie, false)).as("never removed with an unrelated still").isEmpty();
        // no ids, a plain same-stem name: a separate video asset can be called that, no answer either
        UUID jpeg = removed(file("IMG_0801.JPG", "original", "icloud"), "ASSET-0801");
        UUID clip = file("IMG_0801.MOV", "original", "icloud");
        pair(jpeg, clip, null, null);
        assertThat(motion.answer(clip, false)).isEmpty();
        // no ids, icloudpd's name for the still's movie resource: it goes with the still's asset
        UUID heic = removed(file("IMG_0802.HEIC", "original", "icloud"), "ASSET-0802");
        UUID hevc = file("IMG_0802_HEVC.MOV", "original", "icloud");
        pair(heic, hevc, null, null);
        assertThat(motion.answer(hevc, false).orElseThrow().state()).isEqualTo(OriginalRemoval.State.REMOVED);
        assertThat(ledger.rows("select state from icloud_removals where media_file_id in (?, ?)", movie, clip))
                .as("nothing recorded for the movies that were not answered").isEmpty();
    }

    private static void pair(UUID still, UUID movie, String stillId, String movieId) {
        ledger.rows("update media_files set kind = 'video', live_pair_id = ?, content_identifier = ? where id = ? returning id",
                still, movieId, movie);
        ledger.rows("update media_files set live_pair_id = ?, content_identifier = ? where id = ? returning id",
                movie, stillId, still);
    }

    private static UUID removed(UUID still, String asset) {
        ledger.rows("""
                insert into icloud_removals (media_file_id, account, asset_record, state, dry_run)
                values (?, 'default', ?, 'removed', false) returning id""", still, asset);
        return still;
    }
}
