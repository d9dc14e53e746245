package io.mediapipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.cli.IcloudUploadCheck.Finding;
import io.mediapipeline.cli.IcloudUploadCheck.Level;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaKind;
import io.mediapipeline.support.IcloudUploadSchema;
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

/** doctor on a real ledger: the uploads by state, what happens to unproven and failed ones, the removal switches. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class IcloudUploadLedgerCheckTest {

    @TempDir
    static Path tmp;

    private static Database db;
    private static Ledger ledger;

    @BeforeAll
    static void open() throws Exception {
        db = new PipelineHome(tmp).openLedger();
        ledger = new Ledger(db.dataSource());
        IcloudUploadSchema.ensure(db.dataSource());
    }

    @AfterAll
    static void close() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void uploadsAreCountedByStateAndUnprovenAndFailedSayWhatHappensNext() {
        for (String state : List.of("confirmed", "confirmed", "unproven", "failed")) {
            ledger.rows("""
                    insert into deliveries (media_file_id, target, state, account, last_error, next_check_at)
                    values (?, 'icloud', ?, 'anna', 'why', case when ? = 'unproven' then now() + interval '1 hour' end)
                    returning id""", file(), state, state);
        }

        List<Finding> f = IcloudUploadCheck.deliveries(ledger);

        assertThat(f.get(0).level()).isEqualTo(Level.OK);
        assertThat(f.get(0).detail()).isEqualTo("2 confirmed, 1 failed, 1 unproven");
        assertThat(f).filteredOn(x -> x.detail().contains("uploaded but not proven")).singleElement().satisfies(x -> {
            assertThat(x.level()).isEqualTo(Level.WARN);
            assertThat(x.detail()).startsWith("1 file(s)").contains("next look-up");
            assertThat(x.fix()).contains("proof.recheck-minutes", "never uploaded twice");
        });
        assertThat(f).filteredOn(x -> x.detail().contains("failed to upload")).singleElement().satisfies(x -> {
            assertThat(x.level()).isEqualTo(Level.WARN);
            assertThat(x.fix()).contains("last_error", "state = 'staged'");
        });
    }

    @Test
    void removalSwitchesAreShownWithWhatRemovalDidSoFar() {
        ledger.rows("insert into icloud_removals (media_file_id, account, asset_record, state, dry_run) "
                + "values (?, 'anna', 'A-1', 'planned', true) returning id", file());

        assertThat(IcloudUploadCheck.removal(false, true, ledger)).singleElement()
                .satisfies(x -> assertThat(x.detail()).startsWith("off"));
        assertThat(IcloudUploadCheck.removal(true, true, ledger)).singleElement().satisfies(x -> {
            assertThat(x.level()).isEqualTo(Level.OK);
            assertThat(x.detail()).contains("dry run", "removes nothing", "1 planned");
        });
        assertThat(IcloudUploadCheck.removal(true, false, ledger)).singleElement()
                .satisfies(x -> assertThat(x.detail()).contains("Recently Deleted", "30 days"));

        // a removal interrupted mid-way has an unknown outcome: doctor says so
        ledger.rows("insert into icloud_removals (media_file_id, account, asset_record, state, dry_run) "
                + "values (?, 'anna', 'A-2', 'removing', false) returning id", file());
        assertThat(IcloudUploadCheck.removal(true, false, ledger)).filteredOn(x -> x.level() == Level.WARN).singleElement()
                .satisfies(x -> assertThat(x.detail()).contains("1 removal(s) started and not finished", "not known"));
    }

    private static int files;

    private static synchronized UUID file() {
        String sha = String.format("%064x", 0xd0c000L + ++files);
        MediaInfo info = new MediaInfo(MediaKind.PHOTO, "jpeg", "jpg", "image/jpeg", 4, 4, null, 0, false, null, null,
                null, null, null, null);
        return ledger.claim(sha, 10, info, "icloud", "f" + files + ".jpg", "/inbox/icloud/anna/f" + files + ".jpg").mediaId();
    }
}
