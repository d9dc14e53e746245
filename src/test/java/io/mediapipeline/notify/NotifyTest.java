package io.mediapipeline.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.status.Attention;
import io.mediapipeline.status.PipelineStatus;
import io.mediapipeline.status.Snapshot;
import io.mediapipeline.status.Totals;
import io.mediapipeline.support.LogCapture;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Notifications end to end on a real embedded PostgreSQL with the app's migrations, real Camel endpoints (camel-http,
 * camel-telegram) and loopback servers standing in for ntfy and Telegram's Bot API; time is a clock the test moves.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NotifyTest {

    private static final String NTFY_TOKEN = "tk_ntfy-secret-0123456789";
    private static final String BOT_TOKEN = "123456:bot-secret-ABCDEFGHIJ";

    @TempDir
    static Path tmp;

    private static Database db;
    private static Ledger ledger;
    private static CamelContext camel;

    private final MovableClock clock = new MovableClock(Instant.parse("2026-12-01T08:00:00Z"));
    private final List<Attention> needsYou = new CopyOnWriteArrayList<>();
    private final PipelineStatus status = () -> new Snapshot(clock.instant(), List.of(), needsYou,
            new Totals(0, 0, 0, 0, 0, 0, 0, 0, 0));
    private StandIn ntfy;
    private StandIn telegram;

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

    private NotifyConfig config(int maxPerHour, boolean withTelegram) {
        return new NotifyConfig(true, new NotifyConfig.Ntfy(ntfy.url("/pipeline-topic"), NTFY_TOKEN, List.of("camera")),
                new NotifyConfig.Telegram(withTelegram ? BOT_TOKEN : "", withTelegram ? "4242" : "", telegram.url("")),
                "", Duration.ofSeconds(60), Duration.ofHours(24), Duration.ofMinutes(60), maxPerHour, "0 0 8 * * ?");
    }

    private record Parts(Outbox outbox, Sender sender) {
    }

    private Parts parts(NotifyConfig c) {
        Outbox outbox = new Outbox(db.dataSource(), c.channels());
        return new Parts(outbox, new Sender(outbox, Channel.of(c, camel), c.maxPerHour(), c.tick(), clock));
    }

    @Test
    void anAttentionIsAnnouncedOnceRemindedAfterRemindHoursAndResolvedWhenItClears() {
        Parts p = parts(config(6, false));
        AttentionWatch watch = new AttentionWatch(() -> Optional.of(status), p.outbox(), Duration.ofHours(24), clock,
                n -> { throw new AssertionError("the ledger is up: nothing goes around the outbox"); });
        needsYou.add(new Attention(Attention.Kind.SIGN_IN_NEEDED, "family",
                "iCloud account family needs a sign-in: enter the code on the dashboard.", clock.instant()));

        try (LogCapture log = LogCapture.of("io.mediapipeline")) {
            tick(watch, p);
            assertThat(ntfy.requests).hasSize(1);
            StandIn.Request first = ntfy.requests.get(0);
            assertThat(first.method()).isEqualTo("POST");
            assertThat(first.path()).isEqualTo("/pipeline-topic");
            assertThat(first.header("Title")).isEqualTo("iCloud sign-in needed");
            assertThat(first.header("Priority")).isEqualTo("5");
            assertThat(first.header("Tags")).isEqualTo("camera");
            assertThat(first.header("Authorization")).isEqualTo("Bearer " + NTFY_TOKEN);
            assertThat(first.body()).contains("needs a sign-in").doesNotContain(NTFY_TOKEN);

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
            assertThat(log.messages(Level.DEBUG)).noneMatch(m -> m.contains(NTFY_TOKEN));
        }
    }

    @Test
    void aBurstOf50FailuresMakesAtMostMaxPerHourMessagesThatCountAll50() {
        NotifyConfig c = config(6, false);
        Parts p = parts(c);
        FailureDigest digest = new FailureDigest(p.outbox(), c.failuresGroup(), Duration.ZERO, clock);
        digest.compose(); // the first start: the cursor begins at the newest event
        for (int i = 0; i < 50; i++) {
            if (i % 5 == 4) {
                quarantined("notes-" + i + ".txt", "not a photo or video (file says: ASCII text)");
            } else {
                failed("IMG_" + i + ".MOV", i % 2 == 0 ? "compress: ffmpeg exit 1 in /srv/media/originals/2026/11/IMG_" + i + ".MOV"
                        : "compress: ffmpeg exit 1 in /srv/media/work/compress/" + "ab12".repeat(16) + ".mov");
            }
            digest.compose();
            p.sender().send();
            clock.move(Duration.ofMinutes(1));
        }
        for (int m = 0; m < 70; m++) {
            digest.compose();
            p.sender().send();
            clock.move(Duration.ofMinutes(1));
        }

        assertThat(ntfy.requests).isNotEmpty();
        assertThat(ntfy.requests.size()).as("120 minutes at most 6 an hour").isLessThanOrEqualTo(12);
        assertThat(ntfy.requests.size()).as("grouped: one failures notice per hour").isLessThanOrEqualTo(3);
        int counted = 0;
        int compress = 0;
        int quarantine = 0;
        for (StandIn.Request r : ntfy.requests) {
            counted += number(r.body(), "^(\\d+) files? failed");
            compress += number(r.body(), "^(\\d+) compress - ffmpeg exit 1 in … \\(IMG_");
            quarantine += number(r.body(), "^(\\d+) quarantined - not a photo or video");
            assertThat(r.body()).doesNotContain("/srv/media");
        }
        assertThat(counted).isEqualTo(50);
        assertThat(compress).isEqualTo(40);
        assertThat(quarantine).isEqualTo(10);
        assertThat(ntfy.requests.get(0).body()).contains("IMG_0.MOV");

        // failures that wait for the group window survive a restart (new beans, the same ledger), and what was sent
        // before is not sent again
        failed("LATE_0.JPG", "organize: cannot link");
        digest.compose();
        p.sender().send();
        int before = ntfy.requests.size();
        for (int i = 1; i <= 3; i++) {
            failed("LATE_" + i + ".JPG", "organize: cannot link");
        }
        assertThat(digest.compose()).as("inside the group window").isZero();
        Parts again = parts(c);
        FailureDigest restarted = new FailureDigest(again.outbox(), c.failuresGroup(), Duration.ZERO, clock);
        clock.move(Duration.ofMinutes(61));
        assertThat(restarted.compose()).isEqualTo(3);
        again.sender().send();
        assertThat(ntfy.requests).hasSize(before + 1);
        assertThat(ntfy.requests.get(before).body()).startsWith("3 files failed").contains("LATE_1.JPG")
                .doesNotContain("LATE_0.JPG").doesNotContain("IMG_");
    }

    @Test
    void noticesOverTheHourlyLimitAreHeldBackAndFoldedIntoTheNextMessageNeverDropped() {
        Parts p = parts(config(3, false));
        AttentionWatch watch = new AttentionWatch(() -> Optional.of(status), p.outbox(), Duration.ofHours(24), clock, n -> { });
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
        assertThat(ledger.rows("select count(*) as n from notify_outbox where sent_at is null").get(0).get("n"))
                .isEqualTo(0L);
    }

    @Test
    void aFailedSendIsLoggedWithoutTheTokenAndRetriedAndOnlyThenCountedAsSent() {
        Parts p = parts(config(6, false));
        AttentionWatch watch = new AttentionWatch(() -> Optional.of(status), p.outbox(), Duration.ofHours(24), clock, n -> { });
        needsYou.add(new Attention(Attention.Kind.DISK_SHORT, "pipeline.home", "Only 2 GB free; 10 GB needed.", clock.instant()));
        ntfy.status = 500;
        try (LogCapture log = LogCapture.of("io.mediapipeline.notify")) {
            tick(watch, p);
            assertThat(ntfy.requests).hasSize(1);
            Map<String, Object> row = ledger.rows("select sent_at, attempts, last_error from notify_outbox").get(0);
            assertThat(row.get("sent_at")).as("not sent").isNull();
            assertThat(row.get("attempts")).isEqualTo(1);
            assertThat((String) row.get("last_error")).contains("HTTP 500").doesNotContain(NTFY_TOKEN);
            assertThat(log.messages(Level.WARN)).singleElement().asString().contains("not sent to ntfy").contains("HTTP 500");

            ntfy.status = 200;
            clock.move(Duration.ofMinutes(1));
            tick(watch, p);
            assertThat(ntfy.requests).hasSize(2);
            assertThat(ntfy.requests.get(1).header("Title")).isEqualTo("Disk space short");
            assertThat(ledger.rows("select sent_at from notify_outbox").get(0).get("sent_at")).isNotNull();
            assertThat(p.outbox().sentSince("ntfy", clock.instant().minus(Duration.ofHours(1)))).isEqualTo(1);
            assertThat(log.messages(Level.DEBUG)).noneMatch(m -> m.contains(NTFY_TOKEN)).noneMatch(m -> m.contains("pipeline-topic"));
        }
    }

    @Test
    void telegramGetsSendMessageWithTheChatIdAndTheTokenOnlyInThePath() {
        Parts p = parts(config(6, true));
        AttentionWatch watch = new AttentionWatch(() -> Optional.of(status), p.outbox(), Duration.ofHours(24), clock, n -> { });
        needsYou.add(new Attention(Attention.Kind.SCRUB_DAMAGE, "archive", "2 files changed on disk; 1 restored.", clock.instant()));
        try (LogCapture log = LogCapture.of("ROOT")) {
            tick(watch, p);
            assertThat(telegram.requests).hasSize(1);
            StandIn.Request r = telegram.requests.get(0);
            assertThat(r.path()).isEqualTo("/bot" + BOT_TOKEN + "/sendMessage");
            assertThat(r.body()).contains("\"chat_id\":\"4242\"").contains("Scrub found damage").contains("1 restored")
                    .doesNotContain(BOT_TOKEN).doesNotContain("secret");
            assertThat(ntfy.requests).as("every channel gets it").hasSize(1);
            assertThat(camel.getEndpoints()).noneMatch(e -> e.getEndpointUri().contains(BOT_TOKEN));

            telegram.status = 500;
            needsYou.clear();
            tick(watch, p);
            assertThat(ledger.rows("select count(*) as n from notify_outbox where channel = 'telegram' and sent_at is null")
                    .get(0).get("n")).isEqualTo(1L);
            assertThat(log.messages(Level.DEBUG)).noneMatch(m -> m.contains(BOT_TOKEN) || m.contains("bot-secret"));
        }
    }

    @Test
    void anyOtherCamelEndpointGetsTheTextWithTitleAndPriorityHeaders() {
        NotifyConfig c = new NotifyConfig(true, new NotifyConfig.Ntfy("", "", List.of()), new NotifyConfig.Telegram("", "", ""),
                "seda:notify-endpoint-test", Duration.ofSeconds(60), Duration.ofHours(24), Duration.ofMinutes(60), 6, "0 0 8 * * ?");
        Parts p = parts(c);
        AttentionWatch watch = new AttentionWatch(() -> Optional.of(status), p.outbox(), Duration.ofHours(24), clock, n -> { });
        needsYou.add(new Attention(Attention.Kind.NAS_MISSING, "nas", "The NAS marker /mnt/nas/media/.nas is missing.",
                clock.instant()));

        tick(watch, p);

        org.apache.camel.Exchange got = camel.createConsumerTemplate().receive("seda:notify-endpoint-test", 5000);
        assertThat(got).isNotNull();
        assertThat(got.getMessage().getHeader("Title")).isEqualTo("NAS missing");
        assertThat(got.getMessage().getHeader("Priority")).isEqualTo(5);
        assertThat(got.getMessage().getBody(String.class)).isEqualTo("NAS missing\nThe NAS marker .nas is missing.");
    }

    @Test
    void whileTheLedgerIsDownItsOutageIsSentDirectlyOncePerOutage() {
        org.postgresql.ds.PGSimpleDataSource gone = new org.postgresql.ds.PGSimpleDataSource();
        gone.setUrl("jdbc:postgresql://127.0.0.1:1/ledger?connectTimeout=2");
        Outbox outbox = new Outbox(gone, List.of("ntfy"));
        List<Notice> direct = new CopyOnWriteArrayList<>();
        AttentionWatch watch = new AttentionWatch(() -> Optional.of(status), outbox, Duration.ofHours(24), clock, direct::add);
        needsYou.add(new Attention(Attention.Kind.DATABASE_DOWN, "ledger", "The ledger does not answer: nothing moves.",
                clock.instant()));

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(watch::check).isInstanceOf(io.mediapipeline.ledger.LedgerException.class);
        }

        assertThat(direct).singleElement().satisfies(n -> {
            assertThat(n.title()).isEqualTo("Database down");
            assertThat(n.priority()).isEqualTo(5);
        });
    }

    @Test
    void theDailySummaryCountsWhatTheLedgerSaysOfTheLast24Hours() {
        Parts p = parts(config(6, false));
        DailySummary summary = new DailySummary(p.outbox(), Clock.systemUTC());
        DailySummary.Figures before = summary.compose();
        ledger.rows("delete from notify_outbox returning id");
        UUID a = media("A.JPG");
        UUID b = media("B.MOV");
        UUID old = media("OLD.JPG");
        media("C.JPG");
        ledger.rows("update media_files set created_at = now() - interval '3 days' where id = ? returning id", old);
        ledger.rows("""
                update media_files set compress_decision = 'compressed', compressed_at = now(), space_saved = 1500
                 where id = ? returning id""", b);
        ledger.rows("insert into deliveries (media_file_id, target, state, confirmed_at) values (?, 'pixel', 'confirmed', now()),"
                + " (?, 'pixel', 'confirmed', now() - interval '2 days'), (?, 'icloud', 'confirmed', now()) returning id", a, old, b);
        failed("D.JPG", "organize: cannot link");
        quarantined("E.TXT", "not a photo or video");

        DailySummary.Figures after = summary.compose();

        assertThat(after.filesIn() - before.filesIn()).isEqualTo(4); // A, B, C, D; not OLD
        assertThat(after.bytesSaved() - before.bytesSaved()).isEqualTo(1500);
        assertThat(after.deliveredPixel() - before.deliveredPixel()).isEqualTo(1);
        assertThat(after.deliveredIcloud() - before.deliveredIcloud()).isEqualTo(1);
        assertThat(after.failed() - before.failed()).isEqualTo(1);
        assertThat(after.quarantined() - before.quarantined()).isEqualTo(1);
        assertThat(after.pending() - before.pending()).isEqualTo(4);
        assertThat(after.inError() - before.inError()).isEqualTo(1);
        // and the text says the same as the ledger, read independently
        Map<String, Object> truth = ledger.rows("""
                select count(*) filter (where created_at > now() - interval '1 day') as files_in,
                       count(*) filter (where status in ('ingesting', 'ingested', 'archived')) as pending
                  from media_files""").get(0);
        p.sender().send();
        String body = ntfy.requests.get(ntfy.requests.size() - 1).body();
        assertThat(body).contains("Files in: " + truth.get("files_in")).contains("Now waiting: " + truth.get("pending"))
                .contains("Delivered to iCloud: " + after.deliveredIcloud())
                .contains("Space saved by compression: " + DailySummary.bytes(after.bytesSaved()));
    }

    private void tick(AttentionWatch watch, Parts p) {
        watch.check();
        p.sender().send();
    }

    private static int number(String body, String regex) {
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(body);
        int sum = 0;
        while (m.find()) {
            sum += Integer.parseInt(m.group(1));
        }
        return sum;
    }

    private static UUID media(String name) {
        String sha;
        try {
            sha = io.mediapipeline.media.Hasher.sha256(new java.io.ByteArrayInputStream(
                    (name + UUID.randomUUID()).getBytes(java.nio.charset.StandardCharsets.UTF_8)), java.io.OutputStream.nullOutputStream());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return (UUID) ledger.rows("""
                insert into media_files (sha256, size, kind, format, extension, source, original_name)
                values (?, 10, 'photo', 'jpeg', 'jpg', 'folder', ?) returning id""", sha, name).get(0).get("id");
    }

    private static void failed(String name, String error) {
        UUID id = media(name);
        ledger.rows("update media_files set status = 'error', error = ? where id = ? returning id", error, id);
    }

    private static void quarantined(String name, String reason) {
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
