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
        ledger.rows("update media_files set kind = 'video', live_pair_id = ? where id = ? returning id", still, movie);
        ledger.rows("update media_files set live_pair_id = ? where id = ? returning id", movie, still);
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
}
