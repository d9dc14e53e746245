package io.mediapipeline.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javax.sql.DataSource;

/**
 * The source keys of the finished inputs under a prefix, in code point order (collate "C"), read a page at a time:
 * each page is one query that starts after the last key read (an index range, first rows at once), on a pooled
 * connection only for that query, and the next page is read while the caller takes this one. Nothing stays open
 * between pages, while the caller records other files, each batch in a transaction of its own; a key recorded
 * meanwhile may or may not be read, which only decides whether the caller finds that file here or by its own look-up.
 */
public final class FinishedKeys implements Iterator<String> {

    private static final int PAGE = 10_000;
    private static final String PAGE_SQL = "select source_key from source_files"
            + " where starts_with(source_key collate \"C\", ?) and source_key collate \"C\" > ?"
            // the range's end as well: a plan made for any prefix (a prepared statement's generic one) still stops there
            + " and source_key collate \"C\" < ?"
            + " and disposition <> 'pending' order by source_key collate \"C\" limit " + PAGE;

    private final DataSource ds;
    private final String prefix;
    /** The first string after every key that starts with prefix: its last character's successor. */
    private final String end;
    private Iterator<String> page = Collections.emptyIterator();
    /** The next page, being read; null after the last one. */
    private CompletableFuture<List<String>> coming;

    private FinishedKeys(DataSource ds, String prefix) {
        this.ds = ds;
        this.prefix = prefix;
        int lastChar = prefix.codePointBefore(prefix.length());
        this.end = prefix.substring(0, prefix.length() - Character.charCount(lastChar))
                + new String(Character.toChars(lastChar + 1));
    }

    /** The finished inputs whose key starts with prefix; the first page is being read when this returns. */
    public static FinishedKeys under(DataSource ds, String prefix) {
        FinishedKeys keys = new FinishedKeys(ds, prefix);
        keys.coming = keys.pageAfter("");
        return keys;
    }

    /** @throws LedgerException when a page cannot be read */
    @Override
    public boolean hasNext() {
        if (!page.hasNext() && coming != null) {
            List<String> keys;
            try {
                keys = coming.join();
            } catch (CompletionException e) {
                coming = null;
                throw e.getCause() instanceof LedgerException le ? le
                        : new LedgerException("reading the finished inputs under " + prefix + ": " + e.getCause(), e);
            }
            coming = keys.size() < PAGE ? null : pageAfter(keys.get(keys.size() - 1));
            page = keys.iterator();
        }
        return page.hasNext();
    }

    @Override
    public String next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return page.next();
    }

    /** Reads the page after a key on a thread of its own (one at a time: the next starts when this one is taken). */
    private CompletableFuture<List<String>> pageAfter(String last) {
        return CompletableFuture.supplyAsync(() -> read(last), work -> {
            Thread t = new Thread(work, "ledger-keys");
            t.setDaemon(true);
            t.start();
        });
    }

    private List<String> read(String last) {
        List<String> keys = new ArrayList<>(PAGE);
        try (Connection con = ds.getConnection(); PreparedStatement ps = con.prepareStatement(PAGE_SQL)) {
            ps.setString(1, prefix);
            ps.setString(2, last);
            ps.setString(3, end);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new LedgerException("reading the finished inputs under " + prefix + ": " + e.getMessage(), e);
        }
        return keys;
    }
}
