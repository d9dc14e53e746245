package io.mediapipeline.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import javax.sql.DataSource;

/**
 * The plumbing every ledger class shares: one transaction per call (commit, or roll back and
 * report a {@link LedgerException}) and positional parameters where null is allowed.
 */
public final class Jdbc {

    private Jdbc() {
    }

    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    public static <T> T inTx(DataSource ds, Work<T> work) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new LedgerException(e.getMessage(), e);
        }
    }

    public static int exec(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        }
    }

    public static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) {
                ps.setNull(i + 1, Types.OTHER);
            } else if (a instanceof Timestamp t) {
                ps.setTimestamp(i + 1, t);
            } else {
                ps.setObject(i + 1, a);
            }
        }
    }
}
