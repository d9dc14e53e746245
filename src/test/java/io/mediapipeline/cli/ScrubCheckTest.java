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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/** doctor on the scrub: open findings and overdue files are warnings; the last run and the coverage are shown. */
class ScrubCheckTest {

    @TempDir
    Path dir;

    @Test
    void openFindingsLastRunAndCoverageAreShown() {
        PipelineHome pipeline = new PipelineHome(dir);
        try (Database db = pipeline.openLedger()) {
            Ledger ledger = new Ledger(db.dataSource());
            JdbcTemplate sql = new JdbcTemplate(db.dataSource());
            assertThat(ScrubCheck.of(pipeline.settings(), ledger)).extracting(Finding::detail)
                    .contains("has not run yet");

            UUID read = archived(sql, "a".repeat(64), "now()");
            archived(sql, "b".repeat(64), "null");
            archived(sql, "c".repeat(64), "now() - interval '31 days'");
            long run = sql.queryForObject("""
                    insert into scrub_runs (node, started_at, finished_at, planned, files, bytes, seconds, findings, outcome)
                    values ('n', now(), now(), 1, 1, 10485760, 2, 1, 'done') returning id""", Long.class);
            sql.update("""
                    insert into scrub_findings (media_file_id, copy, path, kind, run_id)
                    values (?, 'archive', '/x/sorted/a.jpg', 'vanished', ?)""", read, run);

            List<Finding> found = ScrubCheck.of(pipeline.settings(), ledger);

            assertThat(found).filteredOn(f -> f.level() == Level.WARN).extracting(Finding::detail)
                    .containsExactly("1 open finding(s): copies that changed, vanished or cannot be read",
                            "1 file(s) not read for more than 30 day(s)");
            assertThat(found).filteredOn(f -> f.level() == Level.OK).extracting(Finding::detail)
                    .anySatisfy(d -> assertThat(d).contains("(done): 1 file(s), 10.0 MB at 5.0 MB/s, 1 new finding(s)"))
                    .anySatisfy(d -> assertThat(d).isEqualTo("coverage: 1 of 3 archived file(s) read in the last 30 day(s) (33 %)"));
        }
    }

    private static UUID archived(JdbcTemplate sql, String sha, String scrubbedAt) {
        UUID id = sql.queryForObject("""
                insert into media_files (sha256, size, kind, format, extension, source, original_name)
                values (?, 1, 'photo', 'jpeg', 'jpg', 'folder', 'x.jpg') returning id""", UUID.class, sha);
        sql.update("update media_files set status = 'ingested' where id = ?", id);
        sql.update("update media_files set status = 'archived', scrubbed_at = " + scrubbedAt + " where id = ?", id);
        return id;
    }
}
