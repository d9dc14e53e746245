package io.mediapipeline.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import javax.sql.DataSource;

/**
 * The source keys of the finished inputs under a prefix, in code point order (collate "C"), read a page at a time:
 * each page is one query that starts after the last key read (an index range, first rows at once), on a pooled
 * connection only for that query. Nothing stays open between pages, while the caller records other files, each batch
 * in a transaction of its own; a key recorded meanwhile may or may not be read, which only decides whether the caller
 * finds that file here or by its own look-up.
 */
public final class FinishedKeys implements Iterator<String> {

    private static final int PAGE = 10_000;
    private static final String PAGE_SQL = "select source_key from source_files"
            + " where starts_with(source_key collate \"C\", ?) and source_key collate \"C\" > ?"
            + " and disposition <> 'pending' order by source_key collate \"C\" limit " + PAGE;

    private final DataSource ds;
    private final String prefix;
    private final Deque<String> page = new ArrayDeque<>();
    private String last = "";
    private boolean drained;

    private FinishedKeys(DataSource ds, String prefix) {
        this.ds = ds;
        this.prefix = prefix;
    }

    /** The finished inputs whose key starts with prefix; the first page is read by the first {@link #hasNext}. */
    public static FinishedKeys under(DataSource ds, String prefix) {
        return new FinishedKeys(ds, prefix);
    }

    /** @throws LedgerException when a page cannot be read */
    @Override
    public boolean hasNext() {
        if (page.isEmpty() && !drained) {
            try (Connection con = ds.getConnection(); PreparedStatement ps = con.prepareStatement(PAGE_SQL)) {
                ps.setString(1, prefix);
                ps.setString(2, last);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        page.add(rs.getString(1));
                    }
                }
            } catch (SQLException e) {
                throw new LedgerException("reading the finished inputs under " + prefix + ": " + e.getMessage(), e);
            }
            drained = page.size() < PAGE;
            if (!page.isEmpty()) {
                last = page.peekLast();
            }
        }
        return !page.isEmpty();
    }

    @Override
    public String next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return page.poll();
    }
}
