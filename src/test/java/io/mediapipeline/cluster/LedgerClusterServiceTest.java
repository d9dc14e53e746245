package io.mediapipeline.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.cluster.CamelClusterView;
import org.apache.camel.impl.DefaultCamelContext;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two nodes' lease services on one real ledger: one leads at a time, an expired lease is taken with a higher epoch,
 * a released one at once, and a master: route runs only on the leader.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LedgerClusterServiceTest extends OneLedgerPerClass {

    private static final Duration LEASE = Duration.ofSeconds(3);
    private static final Duration RENEW = Duration.ofMillis(500);

    private static LedgerClusterService node(String name) throws Exception {
        LedgerClusterService s = new LedgerClusterService(db.dataSource(), name, LEASE, RENEW);
        s.start();
        return s;
    }

    private static boolean leads(CamelClusterView view) {
        return view.getLocalMember().isLeader();
    }

    @Test
    void twoNodesOneLeaderAtATime() throws Exception {
        LedgerClusterService a = node("a");
        LedgerClusterService b = node("b");
        try {
            CamelClusterView va = a.getView("scrub");
            CamelClusterView vb = b.getView("scrub");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> leads(va) || leads(vb));
            long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            int samples = 0;
            boolean aLed = leads(va);
            while (System.nanoTime() < until) {
                assertThat(leads(va) && leads(vb)).as("both lead").isFalse();
                assertThat(leads(va)).as("the leadership stays put while renewed").isEqualTo(aLed);
                samples++;
                Thread.sleep(20);
            }
            assertThat(samples).isGreaterThan(50);
            List<Map<String, Object>> events = jdbc.queryForList("select node, epoch, event from cluster_events where namespace = 'scrub'");
            assertThat(events).hasSize(1);
            assertThat(events.get(0)).containsEntry("node", aLed ? "a" : "b").containsEntry("epoch", 1L)
                    .containsEntry("event", "acquired");
            assertThat(a.leaderships().keySet()).isEqualTo(aLed ? java.util.Set.of("scrub") : java.util.Set.of());
        } finally {
            a.stop();
            b.stop();
        }
    }

    @Test
    void aLeaseThatIsNotRenewedIsTakenOverWithAHigherEpochAfterItExpires() throws Exception {
        // a node that died: it took the lease and never renewed it
        Leases ghost = new Leases(db.dataSource(), Duration.ofSeconds(5));
        assertThat(ghost.acquireOrRenew("icloud-download", "ghost", LEASE)).hasValue(1);
        Timestamp ghostUntil = jdbc.queryForObject("select expires_at from cluster_leases where namespace = 'icloud-download'",
                Timestamp.class);
        LedgerClusterService b = node("b");
        try {
            CamelClusterView vb = b.getView("icloud-download");
            Thread.sleep(1000);
            assertThat(leads(vb)).as("the dead node's lease has not expired yet").isFalse();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> leads(vb));
            Map<String, Object> taken = jdbc.queryForMap(
                    "select epoch, at from cluster_events where namespace = 'icloud-download' and node = 'b'");
            assertThat(taken.get("epoch")).isEqualTo(2L);
            assertThat(((Timestamp) taken.get("at"))).as("taken only after the old lease ran out").isAfterOrEqualTo(ghostUntil);
        } finally {
            b.stop();
        }
    }

    @Test
    void aReleasedLeaseIsTakenAtOnce() throws Exception {
        LedgerClusterService a = node("a");
        CamelClusterView va = a.getView("purge");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> leads(va));
        LedgerClusterService b = node("b");
        try {
            CamelClusterView vb = b.getView("purge");
            Thread.sleep(1000);
            assertThat(leads(vb)).isFalse();
            long stopped = System.nanoTime();
            a.stop();
            assertThat(leads(va)).isFalse();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> leads(vb));
            assertThat(Duration.ofNanos(System.nanoTime() - stopped)).as("well before the lease would have expired")
                    .isLessThan(LEASE);
            assertThat(jdbc.queryForList("select event || ' ' || node || ' ' || epoch from cluster_events"
                    + " where namespace = 'purge' order by id", String.class))
                    .containsExactly("acquired a 1", "released a 1", "acquired b 2");
        } finally {
            b.stop();
        }
    }

    @Test
    void aLeaderThatCannotReachTheLedgerStopsLeadingBeforeItsLeaseRunsOut() throws Exception {
        AtomicBoolean unreachable = new AtomicBoolean();
        DataSource flaky = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getConnection") && unreachable.get()) {
                        throw new SQLException("connection refused (test)");
                    }
                    try {
                        return method.invoke(db.dataSource(), args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        LedgerClusterService a = new LedgerClusterService(flaky, "a", LEASE, RENEW);
        a.start();
        LedgerClusterService b = node("b");
        try {
            CamelClusterView va = a.getView("icloud-upload");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> leads(va));
            CamelClusterView vb = b.getView("icloud-upload");
            unreachable.set(true);
            Timestamp held = jdbc.queryForObject("select expires_at from cluster_leases where namespace = 'icloud-upload'",
                    Timestamp.class);
            Awaitility.await().atMost(LEASE.plusSeconds(1)).pollInterval(Duration.ofMillis(20)).until(() -> !leads(va));
            Timestamp dbNow = jdbc.queryForObject("select now()", Timestamp.class);
            assertThat(dbNow).as("a stopped leading before the lease the ledger gave it ran out").isBefore(held);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> leads(vb));
            assertThat(leads(va)).isFalse();
        } finally {
            a.stop();
            b.stop();
        }
    }

    @Test
    void oneNodeRunsItsMasterRoutesAtOnceAndRecordsEachStartAsANewEpoch() throws Exception {
        for (int start = 1; start <= 2; start++) {
            AtomicInteger ticks = new AtomicInteger();
            CamelContext camel = new DefaultCamelContext();
            camel.addComponent("master", new OneNodeMaster(db.dataSource(), "solo-" + start));
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("master:near-backfill:timer:solo?delay=0&period=50").process(e -> ticks.incrementAndGet());
                    from("master:near-backfill:timer:solo-too?delay=0&period=50").process(e -> ticks.incrementAndGet());
                }
            });
            camel.start();
            try {
                assertThat(camel.getRoutes()).allSatisfy(r -> assertThat(r.getEndpoint().getEndpointUri())
                        .as("the route's own endpoint, started with it (no leadership wait)").startsWith("timer://solo"));
                Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ticks.get() > 0);
            } finally {
                camel.stop();
            }
        }
        assertThat(jdbc.queryForList("select node || ' ' || epoch from cluster_events where namespace = 'near-backfill'"
                + " and event = 'acquired' order by id", String.class)).containsExactly("solo-1 1", "solo-2 2");
        LedgerClusterService b = node("b");
        try {
            CamelClusterView vb = b.getView("near-backfill");
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> leads(vb));
        } finally {
            b.stop();
        }
    }

    @Test
    void aMasterRouteRunsOnTheLeaderOnlyAndMovesWhenItStops() throws Exception {
        AtomicInteger onA = new AtomicInteger();
        AtomicInteger onB = new AtomicInteger();
        CamelContext a = context("a", onA);
        CamelContext b = context("b", onB);
        try {
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> onA.get() + onB.get() > 3);
            boolean aLeads = onA.get() > 0;
            assertThat(aLeads ? onB.get() : onA.get()).as("the other node's timer never fired").isZero();
            (aLeads ? a : b).stop();
            AtomicInteger other = aLeads ? onB : onA;
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> other.get() > 3);
        } finally {
            a.stop();
            b.stop();
        }
    }

    private CamelContext context(String name, AtomicInteger ticks) throws Exception {
        CamelContext camel = new DefaultCamelContext();
        camel.addService(new LedgerClusterService(db.dataSource(), name, LEASE, RENEW), true, true);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("master:notify:timer:tick?period=100").process(e -> ticks.incrementAndGet());
            }
        });
        camel.start();
        return camel;
    }
}
