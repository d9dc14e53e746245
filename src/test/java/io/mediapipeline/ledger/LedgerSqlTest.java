package io.mediapipeline.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.support.LogCapture;
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

    @Test
    void aLedgerThatStopsAnsweringIsSaidOnceAndItsReturnOnce() {
        new LedgerSql(UNREACHABLE).autoCommit("answered: whatever an earlier test left", j -> 1);
        try (LogCapture log = LogCapture.of("io.mediapipeline.ledger.Reachability")) {
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> new LedgerSql(UNREACHABLE).update("update runs set counts = null"))
                        .isInstanceOf(LedgerException.class);
            }
            new LedgerSql(UNREACHABLE).autoCommit("a call that needs no connection", j -> 1);
            new LedgerSql(UNREACHABLE).autoCommit("and another", j -> 1);
            assertThat(log.messages(ch.qos.logback.classic.Level.INFO)).satisfiesExactly(
                    m -> assertThat(m).startsWith("Paused: the ledger database cannot be reached (Connection is not "
                            + "available").endsWith("work resumes by itself when it answers"),
                    m -> assertThat(m).startsWith("Resumed: the ledger database answers again"));
        }
    }
}
