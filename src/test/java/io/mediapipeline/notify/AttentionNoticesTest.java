package io.mediapipeline.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.mediapipeline.ledger.LedgerException;
import io.mediapipeline.status.Attention;
import io.mediapipeline.support.LogCapture;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** What needs a person: announced once, reminded, resolved; within the hourly limit; and the database's outage. */
class AttentionNoticesTest extends NotifyTestSupport {

    @Test
    void anAttentionIsAnnouncedOnceRemindedAfterRemindHoursAndResolvedWhenItClears() {
        Parts p = parts(config(6, false));
        AttentionWatch watch = new AttentionWatch(() -> Optional.of(status), p.outbox(), Duration.ofHours(24), clock,
                n -> { throw new AssertionError("the ledger is up: nothing goes around the outbox"); });
        needsYou.add(new Attention(Attention.Kind.SIGN_IN_NEEDED, "family",
                "iCloud account family needs a sign-in: enter the code on the dashboard.", clock.instant()));

        try (LogCapture log = LogCapture.of("ROOT")) {
            tick(watch, p);
            assertThat(ntfy.requests).hasSize(1);
            StandIn.Request first = ntfy.requests.get(0);
            assertThat(first.method()).isEqualTo("POST");
            assertThat(first.path()).isEqualTo(TOPIC);
            assertThat(first.header("Title")).isEqualTo("iCloud sign-in needed");
            assertThat(first.header("Priority")).isEqualTo("5");
            assertThat(first.header("Tags")).isEqualTo("camera");
            assertThat(first.header("Authorization")).isEqualTo("Bearer " + NTFY_TOKEN);
            assertThat(first.body()).contains("needs a sign-in").doesNotContain(NTFY_TOKEN);
            // on ntfy.sh the topic is the only key: Camel's endpoint list (what JMX shows) holds neither it nor the token
            assertThat(camel.getEndpoints()).isNotEmpty()
                    .noneMatch(e -> e.getEndpointUri().contains(TOPIC.substring(1)) || e.getEndpointUri().contains(NTFY_TOKEN));

            // still there an hour later, and 23 hours later: no repeat before remind-hours
            for (int h = 1; h < 24; h++) {
                clock.move(Duration.ofHours(1));
                tick(watch, p);
            }
            assertThat(ntfy.requests).hasSize(1);
            clock.move(Duration.ofHours(1));
            tick(watch, p);
            assertThat(ntfy.requests).hasSize(2);
            assertThat(ntfy.requests.get(1).header("Title")).isEqualTo("Still: iCloud sign-in needed");
            assertThat(ntfy.requests.get(1).body()).contains("for 24 h");

            needsYou.clear();
            clock.move(Duration.ofMinutes(30));
            tick(watch, p);
            assertThat(ntfy.requests).hasSize(3);
            assertThat(ntfy.requests.get(2).header("Title")).isEqualTo("Resolved: iCloud sign-in needed");
            assertThat(ntfy.requests.get(2).body()).contains("family: resolved after 24 h");
            tick(watch, p);
            assertThat(ntfy.requests).as("resolved once").hasSize(3);
            assertThat(log.messages(Level.DEBUG)).noneMatch(m -> m.contains(NTFY_TOKEN) || m.contains(TOPIC.substring(1)));
        }
    }

    @Test
    void noticesOverTheHourlyLimitAreHeldBackAndFoldedIntoTheNextMessageNeverDropped() {
        Parts p = parts(config(3, false));
        AttentionWatch watch = watch(p);
        for (int i = 0; i < 10; i++) {
            needsYou.add(new Attention(Attention.Kind.PHONE_OFFLINE, "phone-" + i, "Phone phone-" + i + " offline for a day.",
                    clock.instant()));
            tick(watch, p);
            clock.move(Duration.ofMinutes(2));
        }
        assertThat(ntfy.requests).as("three an hour").hasSize(3);
        clock.move(Duration.ofMinutes(45)); // the first message is more than an hour old now
        tick(watch, p);
        assertThat(ntfy.requests).hasSize(4);
        String folded = ntfy.requests.get(3).body();
        assertThat(folded).contains("6 more notices held back:");
        List<String> announced = new ArrayList<>();
        ntfy.requests.forEach(r -> {
            Matcher m = Pattern.compile("phone-(\\d+)").matcher(r.body());
            while (m.find()) {
                announced.add(m.group(1));
            }
        });
        assertThat(announced).containsExactlyInAnyOrder("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        assertThat(count("select count(*) as n from notify_outbox where sent_at is null")).isZero();
    }

    @Test
    void whileTheLedgerIsDownItsOutageIsSentDirectlyOncePerOutage() {
        org.postgresql.ds.PGSimpleDataSource gone = new org.postgresql.ds.PGSimpleDataSource();
        gone.setUrl("jdbc:postgresql://127.0.0.1:1/ledger?connectTimeout=2");
        Outbox outbox = new Outbox(gone, List.of("ntfy"));
        List<Notice> direct = new CopyOnWriteArrayList<>();
        AttentionWatch watch = new AttentionWatch(() -> Optional.of(status), outbox, Duration.ofHours(24), clock, direct::add);
        needsYou.add(databaseDown());

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(watch::check).isInstanceOf(LedgerException.class);
        }

        assertThat(direct).singleElement().satisfies(n -> {
            assertThat(n.title()).isEqualTo("Database down");
            assertThat(n.priority()).isEqualTo(5);
        });
    }

    @Test
    void aFlappingDatabaseSendsAtMostOneDirectNoticePerRemindHours() {
        AtomicBoolean down = new AtomicBoolean();
        DataSource real = db.dataSource();
        DataSource flapping = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getConnection") && down.get()) {
                        throw new SQLException("Connection refused (the test's outage)");
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Outbox outbox = new Outbox(flapping, List.of("ntfy"));
        List<Notice> direct = new CopyOnWriteArrayList<>();
        AttentionWatch watch = new AttentionWatch(() -> Optional.of(status), outbox, Duration.ofHours(24), clock, direct::add);

        // down and up again every ten minutes for a day and a half
        for (int flap = 0; flap < 6 * 36; flap++) {
            down.set(true);
            needsYou.add(databaseDown());
            assertThatThrownBy(watch::check).isInstanceOf(LedgerException.class);
            clock.move(Duration.ofMinutes(5));
            down.set(false);
            needsYou.clear();
            watch.check();
            clock.move(Duration.ofMinutes(5));
        }

        assertThat(direct).as("one at the start, one 24 hours later").hasSize(2)
                .allSatisfy(n -> assertThat(n.title()).isEqualTo("Database down"));
        assertThat(count("select count(*) as n from notify_outbox where title = 'Resolved: Database down'"))
                .as("each outage that was announced is resolved once").isEqualTo(2);
    }

    private Attention databaseDown() {
        return new Attention(Attention.Kind.DATABASE_DOWN, "ledger", "The ledger does not answer: nothing moves.",
                clock.instant());
    }
}
