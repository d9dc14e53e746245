package io.mediapipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.flow.GuardConfig;
import io.mediapipeline.flow.StorageGuard;
import io.mediapipeline.ops.Metrics;
import io.mediapipeline.status.Attention.Kind;
import io.mediapipeline.status.StatusQueries.Account;
import io.mediapipeline.status.StatusQueries.Facts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage rules read the service's own guard, and every rule in one list comes most urgent first. */
class AttentionsTest {

    private static final long MIB = 1L << 20;

    @TempDir
    Path home;

    private final Instant now = Instant.parse("2026-12-02T12:00:00Z");
    private final AtomicLong free = new AtomicLong(10_000 * MIB);

    private Attentions attentions(StorageGuard guard, Metrics metrics) {
        return new Attentions(StatusLedger.config(home, 50, Duration.ofSeconds(10)), metrics, () -> guard,
                now.minus(Duration.ofHours(1)));
    }

    private StorageGuard guard(Path marker) {
        return new StorageGuard(new GuardConfig(Optional.ofNullable(marker), home, 1024, 10), free::get);
    }

    @Test
    void nasMissingAndDiskShortComeAndGoWithTheGuard() throws Exception {
        Path marker = home.resolve(".nas-mounted");
        Attentions a = attentions(guard(marker), connectedPhone());

        List<Attention> found = a.find(now, Optional.empty(), Optional.empty());
        assertThat(found).extracting(Attention::kind).containsExactly(Kind.NAS_MISSING);
        assertThat(found.get(0).message()).contains(marker.toString()).contains("mount the NAS");

        Files.createFile(marker);
        assertThat(a.find(now, Optional.empty(), Optional.empty())).isEmpty();

        free.set(100 * MIB);
        found = a.find(now.plusSeconds(60), Optional.empty(), Optional.empty());
        assertThat(found).extracting(Attention::kind).containsExactly(Kind.DISK_SHORT);
        assertThat(found.get(0).message()).contains("only 100 MiB free").contains("1024 MiB");
        assertThat(found.get(0).since()).isEqualTo(now.plusSeconds(60));
        assertThat(a.find(now.plusSeconds(120), Optional.empty(), Optional.empty()).get(0).since())
                .as("the same condition keeps the time it was first seen").isEqualTo(now.plusSeconds(60));

        free.set(2048 * MIB);
        assertThat(a.find(now, Optional.empty(), Optional.empty())).isEmpty();
    }

    @Test
    void theMostUrgentComesFirst() {
        free.set(10 * MIB);
        Metrics metrics = new Metrics();
        metrics.set(Attentions.PHONE_CONNECTED, 0);
        metrics.gauge("icloud.bob.session-days-left", () -> 2);
        Attentions a = new Attentions(StatusLedger.config(home, 50, Duration.ofSeconds(10)), metrics,
                () -> guard(null), now.minus(Duration.ofDays(3)));
        Facts facts = new Facts(Map.of(), new Totals(0, 0, 0, 0, 0, 0, 0, 0, 0),
                List.of(new Account("anna", "auth-needed", Optional.empty(), Optional.empty())), Optional.empty(), 2,
                Optional.of(now.minus(Duration.ofDays(1))));

        List<Attention> found = a.find(now, Optional.of(facts), Optional.of("connection refused"));

        assertThat(found).extracting(Attention::kind).containsExactly(Kind.DATABASE_DOWN, Kind.DISK_SHORT,
                Kind.SCRUB_DAMAGE, Kind.SIGN_IN_NEEDED, Kind.PHONE_OFFLINE, Kind.SIGN_IN_EXPIRING);
        assertThat(found).allSatisfy(x -> assertThat(x.message()).endsWith("."));
        assertThat(found.get(4).message()).contains("since the pipeline started").contains("72 h");
    }

    private static Metrics connectedPhone() {
        Metrics m = new Metrics();
        m.set(Attentions.PHONE_CONNECTED, 1);
        return m;
    }
}
