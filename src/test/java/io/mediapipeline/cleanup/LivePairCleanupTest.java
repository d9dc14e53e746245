package io.mediapipeline.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.flow.Handoff;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.report.Unfinished;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Live Photo is cleaned as one item: a verified half whose other half is not proven yet keeps every copy (its
 * Pixel bridge copy, its iCloud original), even when its own batch is done; once the other half is verified too,
 * one pass cleans both.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LivePairCleanupTest {

    @TempDir
    static Path tmp;

    private static Database db;
    private static VerifiedFiles files;

    @BeforeAll
    static void open() {
        db = new PipelineHome(tmp).openLedger();
        files = new VerifiedFiles(new PipelineHome(tmp).home(), db);
    }

    @AfterAll
    static void close() {
        if (db != null) {
            db.close();
        }
    }

    private void pair(VerifiedFiles.File a, VerifiedFiles.File b) {
        files.sql.update("update media_files set live_pair_id = ? where id = ?", b.id(), a.id());
        files.sql.update("update media_files set live_pair_id = ? where id = ?", a.id(), b.id());
    }

    @Test
    void aHalfWhosePartnerIsInErrorStaysAndIsListedAsUnfinishedWithTheReason() throws Exception {
        files.putAsideOthers();
        VerifiedFiles.Beans beans = new VerifiedFiles.Beans();
        UUID batch = files.batch("b-err");
        var still = files.staged(files.verified("IMG_0900.JPG"), batch, "b-err");
        var motion = files.staged(files.archived("IMG_0900.MOV"), batch, "b-err");
        pair(still, motion);
        files.sql.update("update media_files set status = 'error', error = 'checksum mismatch' where id = ?", motion.id());

        files.cleaner(files.config(false, true, false, true), beans).pass();

        assertThat(files.status(still)).as("the pair is one item: the still stays").isEqualTo("verified");
        assertThat(still.bridge()).exists();
        Ledger ledger = new Ledger(db.dataSource());
        List<Unfinished.Item> left = new Unfinished(ledger, new Handoff(files.home.resolve("work"), List.of()), List.of())
                .find(ledger.openRun("once", "test"));
        assertThat(left).filteredOn(i -> i.why().contains("Live Photo partner")).singleElement()
                .satisfies(i -> assertThat(i.why()).contains("in error").contains("IMG_0900").contains("checksum mismatch"))
                .satisfies(i -> assertThat(i.what()).contains("IMG_0900"));
    }

    @Test
    void aHalfWaitsForItsPartnersProofThenBothAreCleanedTogether() throws Exception {
        files.putAsideOthers();
        VerifiedFiles.Beans beans = new VerifiedFiles.Beans();
        beans.removal.enabled = true;
        beans.removal.sql = files.sql;
        // the still was delivered in an earlier batch; the motion half arrived late and is in a batch of its own
        UUID early = files.batch("b-early");
        var still = files.staged(files.verified("IMG_0100.JPG"), early, "b-early");
        UUID late = files.batch("b-late");
        var motion = files.staged(files.archived("IMG_0100.MOV"), late, "b-late");
        pair(still, motion);
        files.icloudConfirmed(still);
        files.icloudConfirmed(motion);
        CleanupConfig config = files.config(false, true, false, true);

        files.cleaner(config, beans).pass();

        assertThat(files.status(still)).as("its other half is not proven yet").isEqualTo("verified");
        assertThat(still.bridge()).exists();
        assertThat(files.removals(still)).isEmpty();
        assertThat(beans.removal.calls).as("the iCloud original is not asked for either").isEmpty();

        files.verify(motion, true);
        files.cleaner(config, beans).pass();

        for (var f : new VerifiedFiles.File[] {still, motion}) {
            assertThat(files.status(f)).isEqualTo("cleaned");
            assertThat(f.bridge()).doesNotExist();
            assertThat(files.home.resolve("trash").resolve(files.home.relativize(f.bridge()))).exists()
                    .hasSameBinaryContentAs(f.original());
            assertThat(f.original()).exists();
            assertThat(f.archive()).exists();
        }
        assertThat(beans.removal.calls).hasSize(2).anyMatch(c -> c.startsWith(still.id().toString()))
                .anyMatch(c -> c.startsWith(motion.id().toString()));
    }

    @Test
    void aLoneHalfWithAnAppleContentIdentifierWaitsForItsPartnerAndAPlainPhotoDoesNot() throws Exception {
        files.putAsideOthers();
        VerifiedFiles.Beans beans = new VerifiedFiles.Beans();
        UUID batch = files.batch("b-lone");
        var still = files.staged(files.verified("IMG_0500.JPG"), batch, "b-lone");
        var plain = files.staged(files.verified("DSC_0501.JPG"), batch, "b-lone");
        files.sql.update("update media_files set content_identifier = 'A1B2C3D4-0000-4000-8000-000000000500' where id = ?",
                still.id());
        CleanupConfig config = files.config(false, true, false, true);

        files.cleaner(config, beans).pass();

        assertThat(files.status(still)).as("its movie may still come: in iCloud both are one asset").isEqualTo("verified");
        assertThat(still.bridge()).exists();
        assertThat(files.status(plain)).as("a photo that is no Live Photo half is cleaned").isEqualTo("cleaned");

        var movie = files.staged(files.verified("IMG_0500.MOV"), batch, "b-lone");
        pair(still, movie);
        files.cleaner(config, beans).pass();

        assertThat(files.status(still)).isEqualTo("cleaned");
        assertThat(files.status(movie)).isEqualTo("cleaned");
    }
}
