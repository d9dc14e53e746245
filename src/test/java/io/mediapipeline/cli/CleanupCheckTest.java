package io.mediapipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.cli.IcloudUploadCheck.Finding;
import io.mediapipeline.cli.IcloudUploadCheck.Level;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** doctor on a real ledger: what trash/ holds, and the removals an operator must look at. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CleanupCheckTest {

    @TempDir
    Path tmp;

    @Test
    void trashAndTheRemovalsToLookAtAreReported() {
        PipelineHome home = new PipelineHome(tmp).set("pipeline.cleanup.enabled", "true");
        try (Database db = home.openLedger()) {
            Ledger ledger = new Ledger(db.dataSource());
            UUID id = (UUID) ledger.rows("""
                    insert into media_files (sha256, size, kind, format, extension, source, original_name)
                    values (repeat('a', 64), 2097152, 'photo', 'jpeg', 'jpg', 'folder', 'a.jpg') returning id""").get(0).get("id");
            ledger.rows("""
                    insert into local_removals (media_file_id, kind, path, trash_path, size, state, purge_after)
                    values (?, 'bridge', 'bridge/pixel/b/a.jpg', 'trash/bridge/pixel/b/a.jpg', 2097152, 'trashed',
                            now() + interval '30 days'),
                           (?, 'work', 'work/pixel/x.jpg', 'trash/work/pixel/x.jpg', 1, 'error', null),
                           (?, 'duplicate', 'duplicates/a_1.jpg', null, 1, 'kept', null) returning id""", id, id, id);

            List<Finding> f = CleanupCheck.ledger(home.settings(), ledger);

            assertThat(f.get(0).level()).isEqualTo(Level.OK);
            assertThat(f.get(0).detail()).startsWith("on; trash/ holds 1 file(s), 2.0 MiB, first purge due ");
            assertThat(f).filteredOn(x -> x.level() == Level.WARN).extracting(Finding::detail).containsExactly(
                    "1 removal(s) found neither in place nor in trash/ after a restart",
                    "1 copy(ies) kept: their bytes or the archive copy did not check out");
        }
    }
}
