package io.mediapipeline.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two nodes claiming the same files on one real ledger: one wins, a dead node's claim expires and is taken over. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LedgerClaimsTest extends OneLedgerPerClass {

    private static LedgerClaims node(String name, Duration ttl) {
        LedgerClaims c = new LedgerClaims(db.dataSource(), name, ttl, tmp.resolve("home"));
        c.start();
        return c;
    }

    private static String file(String name) {
        return tmp.resolve("home/work/compress").resolve(name).toString();
    }

    @Test
    void ofTwoNodesClaimingTheSameFilesEachFileGoesToExactlyOne() throws Exception {
        LedgerClaims a = node("a", Duration.ofMinutes(2));
        LedgerClaims b = node("b", Duration.ofMinutes(2));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<String> files = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                files.add(file("race-" + i));
            }
            Callable<List<String>> ofA = () -> files.stream().filter(a::add).toList();
            Callable<List<String>> ofB = () -> files.stream().filter(b::add).toList();
            Future<List<String>> wonA = pool.submit(ofA);
            Future<List<String>> wonB = pool.submit(ofB);
            List<String> all = new ArrayList<>(wonA.get());
            all.addAll(wonB.get());
            assertThat(all).as("every file claimed once").hasSameSizeAs(files).containsExactlyInAnyOrderElementsOf(files);
            assertThat(jdbc.queryForObject("select count(*) from work_claims where key like 'work/compress/race-%'",
                    Integer.class)).as("keys are relative to the data directory").isEqualTo(50);
        } finally {
            pool.shutdownNow();
            a.close();
            b.close();
        }
    }

    @Test
    void aDeadNodesClaimExpiresAndAnotherTakesTheFile() throws Exception {
        LedgerClaims dead = new LedgerClaims(db.dataSource(), "dead", Duration.ofSeconds(3), tmp.resolve("home"));
        LedgerClaims b = node("b", Duration.ofSeconds(3));
        try {
            // never started: it claims and then never renews, as a killed node
            assertThat(dead.add(file("orphan"))).isTrue();
            assertThat(b.add(file("orphan"))).isFalse();
            assertThat(b.contains(file("orphan"))).isTrue();
            Thread.sleep(3200);
            assertThat(b.add(file("orphan"))).as("the claim expired").isTrue();
            assertThat(jdbc.queryForObject("select node from work_claims where key = 'work/compress/orphan'", String.class))
                    .isEqualTo("b");
            assertThat(dead.held()).contains("work/compress/orphan");
            dead.renew(); // the node was only cut off, and comes back: it learns the file is no longer its own
            assertThat(dead.held()).isEmpty();
            assertThat(jdbc.queryForObject("select node from work_claims where key = 'work/compress/orphan'", String.class))
                    .as("the renewal took nothing back").isEqualTo("b");
        } finally {
            b.close();
        }
    }

    @Test
    void aClaimIsRenewedWhileTheWorkRunsAndReleasedAtOnceOnFailure() throws Exception {
        LedgerClaims a = node("a", Duration.ofSeconds(3));
        LedgerClaims b = node("b", Duration.ofSeconds(3));
        try {
            assertThat(a.add(file("long"))).isTrue();
            Thread.sleep(4500);
            assertThat(b.add(file("long"))).as("a renews its claim while it works").isFalse();
            a.remove(file("long"));
            assertThat(b.add(file("long"))).as("a failure releases the file at once").isTrue();
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void aFinishedFileStaysClaimedForTheClaimsLengthSoAStaleListingSkipsIt() throws Exception {
        LedgerClaims a = node("a", Duration.ofSeconds(3));
        LedgerClaims b = node("b", Duration.ofSeconds(3));
        try {
            assertThat(a.add(file("done"))).isTrue();
            a.confirm(file("done"));
            assertThat(b.add(file("done"))).isFalse();
            Thread.sleep(3200);
            assertThat(b.add(file("done"))).as("no longer renewed once done").isTrue();
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void anotherNodeIsAtWorkWhileItHoldsALiveClaim() {
        LedgerClaims a = node("peer-a", Duration.ofMinutes(2));
        try {
            assertThat(Peers.working(db.dataSource(), "peer-b")).isFalse();
            assertThat(a.add(file("in-flight"))).isTrue();
            assertThat(Peers.working(db.dataSource(), "peer-b")).isTrue();
            assertThat(Peers.working(db.dataSource(), "peer-a")).as("its own claims are not another node's").isFalse();
        } finally {
            a.close();
        }
        assertThat(Peers.working(db.dataSource(), "peer-b")).isFalse();
    }

    @Test
    void closingANodeAfterItsRoutesReleasesWhatItStillHeld() {
        LedgerClaims a = node("a", Duration.ofMinutes(2));
        LedgerClaims b = node("b", Duration.ofMinutes(2));
        try {
            assertThat(a.add(file("held"))).isTrue();
            a.close();
            assertThat(b.add(file("held"))).isTrue();
        } finally {
            b.close();
        }
    }
}
