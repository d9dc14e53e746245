package io.mediapipeline.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.flow.Handoff;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A node that stopped holding claims has its lost hand-offs recovered, once, by the leader, and only then. */
class LostHandoffsTest extends OneLedgerPerClass {

    @Test
    void theLeaderRunsTheRecoveryPassesOnceWhenAPeersClaimsRunOut() throws Exception {
        Handoff handoff = new Handoff(tmp.resolve("home/work"), java.util.List.of());
        AtomicInteger passes = new AtomicInteger();
        handoff.recover("organize", () -> {
            passes.incrementAndGet();
            return 2;
        });
        passes.set(0); // the start's own pass
        AtomicBoolean leads = new AtomicBoolean(false);
        LostHandoffs lost = new LostHandoffs(db.dataSource(), "survivor", handoff, new OneMemberView(null, "handoff-recovery", "survivor") {
            @Override
            boolean leads() {
                return leads.get();
            }
        });
        LedgerClaims peer = new LedgerClaims(db.dataSource(), "peer", Duration.ofSeconds(2), tmp.resolve("home"));
        LedgerClaims survivor = new LedgerClaims(db.dataSource(), "survivor", Duration.ofMinutes(2), tmp.resolve("home"));
        assertThat(peer.add(tmp.resolve("home/work/organize/a.jpg").toString())).isTrue();
        assertThat(survivor.add(tmp.resolve("home/work/organize/b.jpg").toString())).isTrue();

        lost.run();
        lost.run();
        assertThat(passes).as("both nodes alive: nothing to recover").hasValue(0);

        // the peer dies (no renewal, no release): its claim runs out; this node does not lead yet
        Thread.sleep(2500);
        lost.run();
        assertThat(passes).as("only the leader recovers").hasValue(0);

        leads.set(true);
        lost.run();
        assertThat(passes).as("the new leader recovers what the stopped peer left").hasValue(1);
        lost.run();
        assertThat(passes).as("once per stopped node, not on every tick").hasValue(1);
        survivor.clear();
    }
}
