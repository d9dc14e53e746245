package io.mediapipeline.ledger;

import java.sql.SQLException;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * How every ledger class runs SQL: Spring's JdbcTemplate, one TransactionTemplate per call that asks for one, and
 * one translation of failures. Any failure (a refused statement, a lost connection, a failed commit) leaves as a
 * {@link LedgerException} carrying the database's own message: the routes retry those, the file is not at fault.
 */
public final class LedgerSql {

    private final JdbcTemplate jdbc;
    /** Reads a result a thousand rows at a time (inside a transaction), not all of it at once. */
    private final JdbcTemplate streaming;
    private final NamedParameterJdbcTemplate named;
    private final TransactionTemplate tx;

    public LedgerSql(DataSource ds) {
        this.jdbc = new JdbcTemplate(ds);
        this.streaming = new JdbcTemplate(ds);
        streaming.setFetchSize(1_000);
        this.named = new NamedParameterJdbcTemplate(jdbc);
        this.tx = new TransactionTemplate(new DataSourceTransactionManager(ds));
    }

    /** The work as one transaction: all of it is committed, or none of it. */
    public <T> T inTx(Function<JdbcTemplate, T> work) {
        return translated(() -> tx.execute(status -> work.apply(jdbc)));
    }

    /** Named parameters, for statements with many of them; as {@link #inTx}. */
    public <T> T inTxNamed(Function<NamedParameterJdbcTemplate, T> work) {
        return translated(() -> tx.execute(status -> work.apply(named)));
    }

    /** One statement in its own transaction; returns the rows it changed. */
    public int update(String sql, Object... args) {
        return inTx(j -> j.update(sql, args));
    }

    /** One query in its own transaction. */
    public <T> List<T> query(String sql, RowMapper<T> rows, Object... args) {
        return inTx(j -> j.query(sql, rows, args));
    }

    /** One query in its own transaction, each row handed over as it is read (a result too large to hold). */
    public void each(String sql, RowCallbackHandler rows, Object... args) {
        inTx(j -> {
            streaming.query(sql, rows, args);
            return null;
        });
    }

    /** Work outside a transaction (each statement commits by itself); a failure's message starts with what. */
    public <T> T autoCommit(String what, Function<JdbcTemplate, T> work) {
        try {
            return translated(() -> work.apply(jdbc));
        } catch (LedgerException e) {
            throw what == null ? e : new LedgerException(what + ": " + e.getMessage(), e.getCause());
        }
    }

    private static <T> T translated(Supplier<T> work) {
        T result;
        try {
            result = work.get();
        } catch (DataAccessException | TransactionException e) {
            LedgerException failure = failure(e);
            Reachability.failed(e, failure.getMessage());
            throw failure;
        }
        Reachability.answered();
        return result;
    }

    /** The driver's exception (the one with the database's message) when there is one, else Spring's own. */
    static LedgerException failure(RuntimeException e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return new LedgerException(sql.getMessage(), sql);
            }
        }
        return new LedgerException(e.getMessage(), e);
    }
}
