package io.mediapipeline.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.flow.GuardConfig;
import io.mediapipeline.flow.StorageGuard;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each readiness check says DOWN for its own cause, with a reason an operator can act on; none is a liveness check. */
class ReadinessChecksTest {

    private static final long MIB = 1L << 20;

    @TempDir
    Path home;

    private static HealthCheck.Result call(HealthCheck check) {
        ((org.apache.camel.CamelContextAware) check).setCamelContext(new DefaultCamelContext());
        return check.call();
    }

    private StorageGuard guard(Optional<Path> marker, long minFreeMb, long freeBytes) {
        return new StorageGuard(new GuardConfig(marker, home, minFreeMb, 10), () -> freeBytes);
    }

    @Test
    void nasMarkerMissingIsDownWithThePath() throws Exception {
        Path marker = home.resolve(".nas-mounted");
        HealthCheck check = new StorageCheck(StorageCheck.Cause.NAS_MARKER, guard(Optional.of(marker), 0, -1));
        HealthCheck.Result down = call(check);
        assertThat(down.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(down.getMessage().orElse("")).contains("NAS marker " + marker + " is missing");
        assertThat(check.getId()).isEqualTo("nas-marker");
        assertThat(check.isLiveness()).isFalse();
        assertThat(check.isReadiness()).isTrue();

        Files.createFile(marker);
        assertThat(call(check).getState()).isEqualTo(HealthCheck.State.UP);
    }

    @Test
    void freeSpaceUnderTheThresholdIsDownWithBothNumbers() {
        HealthCheck short_ = new StorageCheck(StorageCheck.Cause.FREE_SPACE, guard(Optional.empty(), 1024, 100 * MIB));
        HealthCheck.Result down = call(short_);
        assertThat(down.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(down.getMessage().orElse("")).contains("only 100 MiB free under " + home).contains("min-free-mb=1024");
        assertThat(short_.getId()).isEqualTo("free-space");

        HealthCheck unreadable = new StorageCheck(StorageCheck.Cause.FREE_SPACE, guard(Optional.empty(), 1024, -1));
        assertThat(call(unreadable).getMessage().orElse("")).contains("cannot be read");
        HealthCheck enough = new StorageCheck(StorageCheck.Cause.FREE_SPACE, guard(Optional.empty(), 1024, 2048 * MIB));
        assertThat(call(enough).getState()).isEqualTo(HealthCheck.State.UP);
        // the space check does not hold a missing marker against the space
        HealthCheck noMarker = new StorageCheck(StorageCheck.Cause.FREE_SPACE,
                guard(Optional.of(home.resolve("absent")), 1024, 2048 * MIB));
        assertThat(call(noMarker).getState()).isEqualTo(HealthCheck.State.UP);
    }

    @Test
    void aMissingToolIsDownByName() throws Exception {
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path ffmpeg = Files.createFile(bin.resolve("ffmpeg"));
        ffmpeg.toFile().setExecutable(true);
        HealthCheck check = new ToolsCheck(List.of(new ToolsCheck.Tool("ffmpeg", "ffmpeg"),
                new ToolsCheck.Tool("icloudpd", home.resolve(".tools/icloudpd").toString())), bin.toString());
        HealthCheck.Result down = call(check);
        assertThat(down.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(down.getMessage().orElse("")).contains("icloudpd (" + home.resolve(".tools/icloudpd") + ")").doesNotContain("ffmpeg");

        HealthCheck found = new ToolsCheck(List.of(new ToolsCheck.Tool("ffmpeg", "ffmpeg"),
                new ToolsCheck.Tool("ffmpeg by path", ffmpeg.toString())), bin.toString());
        assertThat(call(found).getState()).isEqualTo(HealthCheck.State.UP);
    }

    @Test
    void aRefusingOrHangingDatabaseIsDownWithinTheTimeout() throws Exception {
        DataSource refusing = dataSource(() -> {
            throw new SQLException("Connection to 127.0.0.1:5432 refused");
        });
        HealthCheck.Result refused = call(new DatabaseCheck(refusing, Duration.ofSeconds(2)));
        assertThat(refused.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(refused.getMessage().orElse("")).startsWith("the ledger database cannot be reached").contains("refused");

        CountDownLatch never = new CountDownLatch(1);
        DatabaseCheck hanging = new DatabaseCheck(dataSource(() -> {
            never.await();
            return null;
        }), Duration.ofMillis(300));
        long started = System.nanoTime();
        HealthCheck.Result slow = call(hanging);
        assertThat(slow.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(slow.getMessage().orElse("")).contains("did not answer within 300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        assertThat(hanging.getId()).isEqualTo("database");
        assertThat(hanging.isLiveness()).isFalse();
        never.countDown();
    }

    @Test
    void theDatabaseLookThreadEndsWithTheContext() throws Exception {
        AtomicReference<Thread> looked = new AtomicReference<>();
        DataSource refusing = dataSource(() -> {
            looked.set(Thread.currentThread());
            throw new SQLException("refused");
        });
        DatabaseCheck check = new DatabaseCheck(refusing, Duration.ofSeconds(2));
        DefaultCamelContext camel = new DefaultCamelContext();
        camel.start();
        check.setCamelContext(camel);
        assertThat(check.call().getState()).isEqualTo(HealthCheck.State.DOWN);
        Thread worker = looked.get();
        assertThat(worker).isNotNull();
        assertThat(worker.getName()).contains("health-database");
        assertThat(worker.isAlive()).as("kept for the next look while the context runs").isTrue();

        camel.stop();
        worker.join(5000);
        assertThat(worker.isAlive()).as("the context's stop ends the look's thread").isFalse();
    }

    private interface Connect {
        Object connect() throws Exception;
    }

    /** A DataSource whose getConnection does what the test says (nothing else is called). */
    private static DataSource dataSource(Connect connect) {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        return connect.connect();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
