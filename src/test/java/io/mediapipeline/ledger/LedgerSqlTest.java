package io.mediapipeline.ledger;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

class LedgerSqlTest {

    /** A database that cannot be reached: every connection attempt fails the way the pool reports it. */
    private static final DataSource UNREACHABLE = (DataSource) Proxy.newProxyInstance(LedgerSqlTest.class.getClassLoader(),
            new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                throw new SQLException("Connection is not available, request timed out after 15000ms.", "08001");
            });

    @Test
    void lostConnectionInATransactionIsALedgerFailureWithTheDriversMessage() {
        assertThatThrownBy(() -> new LedgerSql(UNREACHABLE).update("update runs set counts = null"))
                .isInstanceOf(LedgerException.class)
                .hasMessage("Connection is not available, request timed out after 15000ms.")
                .hasCauseInstanceOf(SQLException.class);
    }

    @Test
    void lostConnectionOutsideATransactionSaysWhatWasAsked() {
        assertThatThrownBy(() -> new LedgerSql(UNREACHABLE).autoCommit("icloud files", j -> j.queryForList("select 1")))
                .isInstanceOf(LedgerException.class)
                .hasMessage("icloud files: Connection is not available, request timed out after 15000ms.")
                .hasCauseInstanceOf(SQLException.class);
    }
}
