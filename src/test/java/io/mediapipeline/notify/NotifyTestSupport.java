package io.mediapipeline.notify;

import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.status.Attention;
import io.mediapipeline.status.PipelineStatus;
import io.mediapipeline.status.Snapshot;
import io.mediapipeline.status.Totals;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Notifications end to end on a real embedded PostgreSQL with the app's migrations, real Camel endpoints (camel-http,
 * camel-telegram) and loopback servers standing in for ntfy and Telegram's Bot API; time is a clock the test moves.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
abstract class NotifyTestSupport {

    static final String NTFY_TOKEN = "tk_ntfy-secret-0123456789";
    static final String BOT_TOKEN = "123456:bot-secret-ABCDEFGHIJ";
    static final String TOPIC = "/pipeline-topic";

    @TempDir
    static Path tmp;

    static Database db;
    static Ledger ledger;
    static CamelContext camel;

    final MovableClock clock = new MovableClock(Instant.parse("2026-12-01T08:00:00Z"));
    final List<Attention> needsYou = new CopyOnWriteArrayList<>();
    final PipelineStatus status = () -> new Snapshot(clock.instant(), List.of(), needsYou,
            new Totals(0, 0, 0, 0, 0, 0, 0, 0, 0));
    StandIn ntfy;
    StandIn telegram;

    @BeforeAll
    static void open() throws Exception {
        db = new PipelineHome(tmp).openLedger();
        ledger = new Ledger(db.dataSource());
        camel = new DefaultCamelContext();
        camel.start();
    }

    @AfterAll
    static void close() {
        if (camel != null) {
            camel.stop();
        }
        if (db != null) {
            db.close();
        }
    }

    @BeforeEach
    void standIns() throws Exception {
        ntfy = new StandIn();
        telegram = new StandIn();
        telegram.answer = """
                {"ok":true,"result":{"message_id":7,"date":1764576000,"chat":{"id":4242,"type":"private"},"text":"x"}}""";
        ledger.rows("delete from notify_outbox returning id");
        ledger.rows("delete from notify_attention returning key");
        ledger.rows("delete from notify_cursor returning name");
    }

    @AfterEach
    void stopStandIns() {
        ntfy.close();
        telegram.close();
    }

    NotifyConfig config(int maxPerHour, boolean withTelegram) {
        return new NotifyConfig(true, new NotifyConfig.Ntfy(ntfy.url(TOPIC), NTFY_TOKEN, List.of("camera")),
                new NotifyConfig.Telegram(withTelegram ? BOT_TOKEN : "", withTelegram ? "4242" : "", telegram.url("")),
                "", Duration.ofSeconds(60), Duration.ofHours(24), Duration.ofMinutes(60), maxPerHour, "0 0 8 * * ?");
    }

    record Parts(Outbox outbox, Sender sender) {
    }

    Parts parts(NotifyConfig c) {
        Outbox outbox = new Outbox(db.dataSource(), c.channels());
        return new Parts(outbox, new Sender(outbox, Channel.of(c, camel), c.maxPerHour(), c.tick(), clock));
    }

    AttentionWatch watch(Parts p) {
        return new AttentionWatch(() -> Optional.of(status), p.outbox(), Duration.ofHours(24), clock, n -> { });
    }

    void tick(AttentionWatch watch, Parts p) {
        watch.check();
        p.sender().send();
    }

    static long count(String sql, Object... args) {
        return ((Number) ledger.rows(sql, args).get(0).get("n")).longValue();
    }

    static int number(String body, String regex) {
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(body);
        int sum = 0;
        while (m.find()) {
            sum += Integer.parseInt(m.group(1));
        }
        return sum;
    }

    /** A sha256-shaped value no other file has. */
    static String uniqueSha() {
        return (UUID.randomUUID().toString() + UUID.randomUUID()).replace("-", "");
    }

    static UUID media(String name) {
        return (UUID) ledger.rows("""
                insert into media_files (sha256, size, kind, format, extension, source, original_name)
                values (?, 10, 'photo', 'jpeg', 'jpg', 'folder', ?) returning id""", uniqueSha(), name).get(0).get("id");
    }

    static void failed(String name, String error) {
        UUID id = media(name);
        ledger.rows("update media_files set status = 'error', error = ? where id = ? returning id", error, id);
    }

    static void quarantined(String name, String reason) {
        Object id = ledger.rows("""
                insert into source_files (source, source_key, source_path, size) values ('folder', ?, ?, 10) returning id""",
                UUID.randomUUID().toString(), "/srv/library/" + name).get(0).get("id");
        ledger.recordQuarantine(((Number) id).longValue(), null, "quarantine/" + name, reason);
    }

    /** A clock the test moves. */
    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant start) {
            now = start;
        }

        void move(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
