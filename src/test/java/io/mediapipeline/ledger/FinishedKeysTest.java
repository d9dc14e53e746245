package io.mediapipeline.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A rescan's ordered read over a real ledger: every finished key under the tree once, in code point order, across pages. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FinishedKeysTest {

    @TempDir
    Path tmp;

    @Test
    void readsEveryFinishedKeyUnderThePrefixOnceInCodePointOrderAcrossPages() throws Exception {
        String prefix = "backfill:/archive/";
        List<String> expected = new ArrayList<>();
        try (Database db = new PipelineHome(tmp).openLedger()) {
            try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                    "insert into source_files (source, source_key, source_path, disposition) values ('backfill', ?, ?, ?)")) {
                // more than two pages; upper case, a space, a '|' and non-ASCII names, where code point order and a
                // language's collation disagree
                for (int i = 0; i < 25_123; i++) {
                    String name = (i % 3 == 0 ? "B" : "a") + String.format("%05d", i) + (i % 5 == 0 ? " é" : "|x");
                    String disposition = i % 7 == 0 ? "pending" : i % 11 == 0 ? "duplicate" : "imported";
                    add(ps, prefix + name, disposition);
                    if (!disposition.equals("pending")) {
                        expected.add(prefix + name);
                    }
                }
                add(ps, "backfill:/archive-other/x", "imported"); // shares the path's start, not its folder
                add(ps, "backfill:/archiv/y", "imported");
                add(ps, "folder:/archive/z", "imported");
                ps.executeBatch();
            }
            expected.sort(String::compareTo); // String's order is UTF-16 order: the code point order here (no surrogates)

            List<String> read = new ArrayList<>();
            FinishedKeys.under(db.dataSource(), prefix).forEachRemaining(read::add);

            assertThat(read).hasSize(expected.size()).isEqualTo(expected);
        }
    }

    private static void add(PreparedStatement ps, String key, String disposition) throws Exception {
        ps.setString(1, key);
        ps.setString(2, key.substring(key.indexOf(':') + 1));
        ps.setString(3, disposition);
        ps.addBatch();
    }
}
