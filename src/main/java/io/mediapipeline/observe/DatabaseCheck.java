package io.mediapipeline.observe;

import io.mediapipeline.config.Secrets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Readiness check {@code database}: the ledger answers a query within the timeout. The pool may wait far longer
 * for a connection to a stopped server, so the query runs on its own thread and the check stops waiting at the
 * timeout; while one look still hangs, the next does not start another. That thread comes from the Camel context's
 * ExecutorServiceManager, which shuts it down with the context (a context stopped and started again, as in tests,
 * leaves no thread behind).
 */
final class DatabaseCheck extends ReadinessCheck {

    private final DataSource dataSource;
    private final Duration timeout;
    private ExecutorService worker;
    private Future<?> pending;

    DatabaseCheck(DataSource dataSource, Duration timeout) {
        super("database");
        this.dataSource = dataSource;
        this.timeout = timeout;
    }

    @Override
    protected synchronized void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        // the error of a look that ended after its check stopped waiting: better than "did not answer"
        String lastError = null;
        if (pending != null && pending.isDone()) {
            lastError = failure(pending);
        }
        if (worker == null || worker.isShutdown()) {
            // the context stopped (and shut down) the last thread: a look still hanging there is abandoned
            worker = getCamelContext().getExecutorServiceManager().newSingleThreadExecutor(this, "health-database");
            pending = null;
        }
        if (pending == null || pending.isDone()) {
            pending = worker.submit(() -> {
                try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                    s.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
                    s.execute("select 1");
                }
                return null;
            });
        }
        try {
            pending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            builder.up();
        } catch (TimeoutException e) {
            down(builder, lastError != null ? lastError
                    : "the ledger database did not answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            down(builder, unreachable(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            down(builder, "interrupted while asking the ledger database");
        }
    }

    private static String failure(Future<?> done) {
        try {
            done.get();
            return null;
        } catch (ExecutionException e) {
            return unreachable(e.getCause());
        } catch (InterruptedException | java.util.concurrent.CancellationException e) {
            return null;
        }
    }

    private static String unreachable(Throwable cause) {
        return "the ledger database cannot be reached: " + cause.getClass().getSimpleName() + ": "
                + Secrets.mask(String.valueOf(cause.getMessage()));
    }
}
