package io.mediapipeline.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import javax.sql.DataSource;

/**
 * The source keys of the finished inputs under a prefix, in code point order (collate "C"), read a page at a time
 * from a cursor the database keeps for this connection (WITH HOLD): the query's transaction ends before the first
 * page is read, so nothing stays open while the caller records other files, each batch in a transaction of its own on
 * other connections. Holds one pooled connection until closed.
 */
public final class FinishedKeys implements Iterator<String>, AutoCloseable {

    private static final int PAGE = 10_000;
    private static final String CURSOR = "finished_keys";

    private final Connection con;
    private final Deque<String> page = new ArrayDeque<>();
    private boolean drained;

    private FinishedKeys(Connection con) {
        this.con = con;
    }

    /** Opens the cursor over the finished inputs whose key starts with prefix. */
    public static FinishedKeys under(DataSource ds, String prefix) {
        Connection con = null;
        try {
            con = ds.getConnection();
            con.setAutoCommit(false);
            try (Statement s = con.createStatement()) {
                // the keys of a large tree are sorted in memory, not in temporary files
                s.execute("set local work_mem = '64MB'");
            }
            try (PreparedStatement declare = con.prepareStatement("declare " + CURSOR + " no scroll cursor with hold for"
                    + " select source_key from source_files"
                    + " where starts_with(source_key collate \"C\", ?) and disposition <> 'pending'"
                    + " order by source_key collate \"C\"")) {
                declare.setString(1, prefix);
                declare.execute();
            }
            con.commit();
            con.setAutoCommit(true);
            return new FinishedKeys(con);
        } catch (SQLException e) {
            closeQuietly(con);
            throw new LedgerException("reading the finished inputs under " + prefix + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean hasNext() {
        if (page.isEmpty() && !drained) {
            try (Statement s = con.createStatement(); ResultSet rs = s.executeQuery("fetch " + PAGE + " from " + CURSOR)) {
                while (rs.next()) {
                    page.add(rs.getString(1));
                }
            } catch (SQLException e) {
                throw new LedgerException("reading the finished inputs: " + e.getMessage(), e);
            }
            drained = page.size() < PAGE;
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

    /** Closes the cursor and gives the connection back. */
    @Override
    public void close() {
        try (Statement s = con.createStatement()) {
            s.execute("close " + CURSOR);
        } catch (SQLException e) {
            // the session's end closes it as well
        } finally {
            closeQuietly(con);
        }
    }

    private static void closeQuietly(Connection con) {
        if (con != null) {
            try {
                con.close();
            } catch (SQLException e) {
                // nothing more to give back
            }
        }
    }
}
