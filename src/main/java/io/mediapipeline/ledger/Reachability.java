package io.mediapipeline.ledger;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.TimeUnit;
import org.springframework.dao.DataAccessResourceFailureException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says once, in plain words, when the ledger database stops answering and once when it answers again: between the
 * two every stage waits and retries (ledger-retry), and without these lines the log shows only the pool's and
 * Camel's retries. Fed by {@link LedgerSql}, which every ledger call goes through; one ledger per process, so the
 * state is the process's.
 */
final class Reachability {

    private static final Logger LOG = LoggerFactory.getLogger(Reachability.class);

    /** When the ledger stopped answering (System.nanoTime), or 0 while it answers. */
    private static volatile long lostSince;

    private Reachability() {
    }

    static void answered() {
        long since = lostSince;
        if (since != 0 && clear(since)) {
            LOG.info("Resumed: the ledger database answers again (it could not be reached for {} s)",
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since));
        }
    }

    /** Called with every failure; only a lost or refused connection counts. */
    static void failed(RuntimeException e, String message) {
        if (lostSince == 0 && unreachable(e) && lose()) {
            LOG.warn("Paused: the ledger database cannot be reached ({}); every stage waits and tries again, nothing "
                    + "is lost, and work resumes by itself when it answers", message);
        }
    }

    private static synchronized boolean clear(long since) {
        if (lostSince != since) {
            return false;
        }
        lostSince = 0;
        return true;
    }

    private static synchronized boolean lose() {
        if (lostSince != 0) {
            return false;
        }
        lostSince = Math.max(1, System.nanoTime());
        return true;
    }

    /** A connection that could not be had or broke (SQL state class 08), or a server shutting down (57P0x). */
    static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof DataAccessResourceFailureException || t instanceof SQLTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P0"))) {
                return true;
            }
        }
        return false;
    }
}
