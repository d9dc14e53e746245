package io.mediapipeline.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.ledger.BatchLedger.Entry;
import io.mediapipeline.ledger.BatchLedger.Outcome;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaKind;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two writers of the same content against a real ledger (the app's own pool, rewritten batched inserts): the
 * batch that looked before the other writer committed records nothing and says to decide again, then does.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BatchLedgerTest {

    @TempDir
    Path tmp;

    @Test
    void contentRecordedByAnotherWriterBetweenLookUpAndCommitMakesTheBatchDecideAgain() {
        try (Database db = new PipelineHome(tmp).openLedger()) {
            twoWriters(db.dataSource(), new Ledger(db.dataSource()));
        }
    }

    private static void twoWriters(DataSource ds, Ledger ledger) {
        BatchLedger batches = new BatchLedger(ds);
        String mine = "a".repeat(64);
        String theirs = "b".repeat(64);
        assertThat(batches.contents(List.of(mine, theirs))).isEmpty(); // the batch looks: both are new

        // the other writer (its own connection and transaction) records one of the two contents
        Claim other = ledger.claim(theirs, 10, info(), "folder", "b.jpg", "/other/b.jpg");
        assertThat(other.outcome()).isEqualTo(Claim.Outcome.NEW);

        long run = ledger.openRun("once", "test");
        List<Entry> decided = List.of(newEntry(mine, "/library/a.jpg"), newEntry(theirs, "/library/b.jpg"));
        assertThatThrownBy(() -> batches.commit(run, decided)).isInstanceOf(RecordedMeanwhileException.class)
                .hasMessageContaining("recorded meanwhile");
        // nothing of the batch was recorded: no row of mine, no input, the other writer's row alone
        assertThat(batches.contents(List.of(mine))).isEmpty();
        assertThat(batches.known(List.of("folder:/library/a.jpg", "folder:/library/b.jpg"), true)).isEmpty();

        // decided again: mine is new, theirs a duplicate of the other writer's row
        assertThat(batches.contents(List.of(mine, theirs)).keySet()).isEqualTo(Set.of(theirs));
        Entry again = newEntry(mine, "/library/a.jpg");
        batches.commit(run, List.of(again, new Entry(Outcome.DUPLICATE, "folder", "folder:/library/b.jpg",
                "/library/b.jpg", 10, theirs, other.mediaId(), info(), null, "/home/duplicates/b.jpg", false, null)));
        assertThat(batches.contents(List.of(mine)).get(mine).id()).isEqualTo(again.mediaId());
        assertThat(batches.known(List.of("folder:/library/b.jpg"), true).get("folder:/library/b.jpg").disposition())
                .isEqualTo("duplicate");
    }

    private static Entry newEntry(String sha, String path) {
        return new Entry(Outcome.NEW, "folder", "folder:" + path, path, 10, sha, UUID.randomUUID(), info(), null,
                "/home/originals/" + sha.charAt(0) + ".jpg", false, null);
    }

    private static MediaInfo info() {
        return new MediaInfo(MediaKind.PHOTO, "jpeg", "jpg", "image/jpeg", 4, 4, null, 0, false, null, null, null,
                null, null, null);
    }
}
