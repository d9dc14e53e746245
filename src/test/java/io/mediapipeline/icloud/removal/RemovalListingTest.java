package io.mediapipeline.icloud.removal;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.PipelineHome;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/** The dry-run listing says, per file, what would go and why the rest stays, and changes nothing. */
class RemovalListingTest {

    private static final Instant TAKEN = Instant.parse("2022-12-24T17:00:00Z");

    @TempDir
    Path dir;

    @Test
    void listsWhatWouldGoAndWhyTheRestStaysWithoutChangingAnything() {
        PipelineHome home = new PipelineHome(dir);
        FakeLibrary library = new FakeLibrary();
        try (Database db = home.openLedger()) {
            JdbcTemplate sql = new JdbcTemplate(db.dataSource());
            sql.execute("alter table deliveries add column if not exists account text,"
                    + " add column if not exists asset_record text, add column if not exists master_record text");
            FakeLibrary.Item original = library.add("IMG_5000.HEIC", 2_000_000, TAKEN);
            UUID still = file(sql, home, "IMG_5000.HEIC", 2_000_000, "1", library.add("IMG_5000.HEIC", 600_000, TAKEN));
            // its movie is part of the still's asset in iCloud: not a file with an original of its own to list
            UUID movie = file(sql, home, "IMG_5000_HEVC.MOV", 900_000, "3", library.add("IMG_5000.MOV", 300_000, TAKEN));
            sql.update("update media_files set kind = 'video', live_pair_id = ? where id = ?", still, movie);
            sql.update("update media_files set live_pair_id = ? where id = ?", movie, still);
            library.add("IMG_5001.HEIC", 2_000_000, TAKEN);
            library.add("IMG_5001.HEIC", 2_000_000, TAKEN.plusSeconds(2));
            file(sql, home, "IMG_5001.HEIC", 2_000_000, "2", library.add("IMG_5001.HEIC", 600_000, TAKEN));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();

            // switched on and not a dry run: the listing is a dry run all the same
            int wouldGo = new RemovalListing(new RemovalConfig(true, false, Duration.ofHours(24)), db.dataSource(),
                    home.home(), account -> library).print(new PrintStream(bytes, true, StandardCharsets.UTF_8), 100);

            String out = bytes.toString(StandardCharsets.UTF_8);
            assertThat(wouldGo).isEqualTo(1);
            assertThat(out).contains("would go  IMG_5000.HEIC  (anna, asset " + original.record)
                    .contains("keep      IMG_5001.HEIC  2 assets match")
                    .contains("1 of 2 file(s) would go").doesNotContain("IMG_5000_HEVC.MOV");
            assertThat(library.deleteCalls).isEmpty();
            assertThat(sql.queryForList("select state from icloud_removals where dry_run order by id", String.class))
                    .containsExactlyInAnyOrder("planned", "refused");
        }
    }

    private static UUID file(JdbcTemplate sql, PipelineHome home, String name, long size, String shaDigit,
                             FakeLibrary.Item copy) {
        UUID id = sql.queryForObject("""
                insert into media_files (sha256, size, kind, format, extension, source, original_name, source_path, captured_at)
                values (?, ?, 'photo', 'heic', 'heic', 'icloud', ?, ?, ?) returning id""", UUID.class,
                shaDigit.repeat(64), size, name, home.home().resolve("inbox/icloud/anna/2022/12/24").resolve(name).toString(),
                Timestamp.from(TAKEN));
        sql.update("insert into deliveries (media_file_id, target, state, account, asset_record, master_record)"
                + " values (?, 'icloud', 'confirmed', 'anna', ?, ?)", id, copy.record, copy.master);
        return id;
    }
}
