package io.mediapipeline.notify;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.mediapipeline.status.Attention;
import io.mediapipeline.support.LogCapture;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.util.URISupport;
import org.junit.jupiter.api.Test;

/** Sending: ntfy, Telegram and any Camel endpoint; failures retried and logged without secrets; the outbox kept small. */
class ChannelsTest extends NotifyTestSupport {

    @Test
    void aFailedSendIsLoggedWithoutTheTokenAndRetriedAndOnlyThenCountedAsSent() {
        Parts p = parts(config(6, false));
        AttentionWatch watch = watch(p);
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
        AttentionWatch watch = watch(p);
        needsYou.add(new Attention(Attention.Kind.SCRUB_DAMAGE, "archive", "2 files changed on disk; 1 restored.", clock.instant()));
        try (LogCapture log = LogCapture.of("ROOT")) {
            tick(watch, p);
            assertThat(telegram.requests).hasSize(1);
            StandIn.Request r = telegram.requests.get(0);
            assertThat(r.path()).isEqualTo("/bot" + BOT_TOKEN + "/sendMessage");
            assertThat(r.body()).contains("\"chat_id\":\"4242\"").contains("Scrub found damage").contains("1 restored")
                    .doesNotContain(BOT_TOKEN).doesNotContain("secret");
            assertThat(ntfy.requests).as("every channel gets it").hasSize(1);
            assertThat(ntfy.requests.get(0).path()).isEqualTo(TOPIC);
            assertThat(camel.getEndpoints()).noneMatch(e -> e.getEndpointUri().contains(BOT_TOKEN)
                    || e.getEndpointUri().contains(NTFY_TOKEN) || e.getEndpointUri().contains(TOPIC.substring(1)));

            telegram.status = 500;
            needsYou.clear();
            tick(watch, p);
            assertThat(count("select count(*) as n from notify_outbox where channel = 'telegram' and sent_at is null"))
                    .isEqualTo(1L);
            assertThat(log.messages(Level.DEBUG)).noneMatch(m -> m.contains(BOT_TOKEN) || m.contains("bot-secret")
                    || m.contains(TOPIC.substring(1)));
        }
    }

    @Test
    void anNtfyTopicUrlsQueryGoesWithEachMessageAndStaysOutOfCamelsEndpointList() throws Exception {
        NotifyConfig c = new NotifyConfig(true, new NotifyConfig.Ntfy(ntfy.url(TOPIC + "-q?auth=qsecret-4711"), "",
                List.of()), new NotifyConfig.Telegram("", "", ""), "", Duration.ofSeconds(60), Duration.ofHours(24),
                Duration.ofMinutes(60), 6, "0 0 8 * * ?");
        Channel channel = Channel.of(c, camel).get(0);

        channel.send(new Notice("attention", "Phone offline", "Phone pixel offline for a day.", 3));

        assertThat(ntfy.requests).singleElement().satisfies(r -> {
            assertThat(r.path()).isEqualTo(TOPIC + "-q");
            assertThat(r.query()).isEqualTo("auth=qsecret-4711");
            assertThat(r.header("Title")).isEqualTo("Phone offline");
        });
        assertThat(camel.getEndpoints()).noneMatch(e -> e.getEndpointUri().contains("qsecret")
                || e.getEndpointUri().contains(TOPIC.substring(1)));
        assertThat(channel.describe(new IllegalStateException("POST " + c.ntfy().url() + " refused")))
                .doesNotContain("qsecret").doesNotContain(TOPIC.substring(1));
    }

    @Test
    void anyOtherCamelEndpointGetsTheTextWithTitleAndPriorityHeaders() {
        Parts p = parts(endpoint("seda:notify-endpoint-test"));
        AttentionWatch watch = watch(p);
        needsYou.add(new Attention(Attention.Kind.NAS_MISSING, "nas", "The NAS marker /mnt/nas/media/.nas is missing.",
                clock.instant()));

        tick(watch, p);

        Exchange got = camel.createConsumerTemplate().receive("seda:notify-endpoint-test", 5000);
        assertThat(got).isNotNull();
        assertThat(got.getMessage().getHeader("Title")).isEqualTo("NAS missing");
        assertThat(got.getMessage().getHeader("Priority")).isEqualTo(5);
        assertThat(got.getMessage().getBody(String.class)).isEqualTo("NAS missing\nThe NAS marker .nas is missing.");
    }

    @Test
    void whatAFailureOfTheOperatorsEndpointSaysHasItsResolvedSecretsMasked() throws Exception {
        camel.getPropertiesComponent().addInitialProperty("notify.test.hook", "T0123/B0456/hookpathsecret");
        camel.getPropertiesComponent().addInitialProperty("notify.test.word", "plainword7");
        String raw = "https://bob:hunter22@hooks.example/services/{{notify.test.hook}}?channel=family"
                + "&apiKey=k-literal-99&note={{notify.test.word}}";
        String resolved = camel.resolvePropertyPlaceholders(raw);
        Channel channel = new Channel.Endpoint(raw, camel, camel.createProducerTemplate());

        // Camel words an endpoint as it normalized it (options sorted), not as written
        String normalized = URISupport.normalizeUri(resolved);
        assertThat(normalized).isNotEqualTo(resolved);
        String said = channel.describe(new IllegalStateException("Failed to send to " + normalized + " (path services/"
                + "T0123/B0456/hookpathsecret), password hunter22, key k-literal-99, word plainword7"));

        assertThat(said).startsWith("IllegalStateException: Failed to send to ").contains("hooks.example")
                .doesNotContain("hookpathsecret").doesNotContain("hunter22").doesNotContain("k-literal-99")
                .doesNotContain("plainword7");
    }

    @Test
    void aChannelDownForLongIsTriedWithABatchAtATimeAndCatchesUpInBatches() {
        Parts p = parts(config(6, false));
        p.outbox().inTx(j -> {
            for (int i = 0; i < 150; i++) {
                p.outbox().add(j, new Notice("attention", "Phone offline", "Phone phone-" + i + " offline.", 3), clock.instant());
            }
            return null;
        });
        ntfy.status = 500;
        p.sender().send();
        assertThat(count("select count(*) as n from notify_outbox where attempts = 1")).as("only what was tried")
                .isEqualTo(Sender.BATCH);
        assertThat(count("select count(*) as n from notify_outbox where attempts = 0")).isEqualTo(150 - Sender.BATCH);

        ntfy.status = 200;
        clock.move(Duration.ofMinutes(1));
        p.sender().send();
        p.sender().send();
        assertThat(ntfy.requests).hasSize(3);
        assertThat(ntfy.requests.get(1).body()).contains((Sender.BATCH - 1) + " more notices")
                .contains((150 - Sender.BATCH) + " more notices wait for the next message.");
        assertThat(ntfy.requests.get(2).body()).contains((150 - Sender.BATCH - 1) + " more notices");
        assertThat(count("select count(*) as n from notify_outbox where sent_at is null")).isZero();
    }

    @Test
    void unsentNoticesOfAChannelTakenOutOfTheSettingsAreDroppedAfterAWeekAndSaidSo() {
        Parts p = parts(config(6, false)); // ntfy only
        Timestamp eightDays = Timestamp.from(clock.instant().minus(Duration.ofDays(8)));
        Timestamp oneDay = Timestamp.from(clock.instant().minus(Duration.ofDays(1)));
        for (Object[] row : List.of(new Object[] {"telegram", eightDays, null}, new Object[] {"telegram", oneDay, null},
                new Object[] {"ntfy", eightDays, null},
                new Object[] {"ntfy", eightDays, Timestamp.from(clock.instant().minus(Duration.ofDays(31)))})) {
            ledger.rows("""
                    insert into notify_outbox (channel, kind, title, body, created_at, sent_at)
                    values (?, 'attention', 'Phone offline', 'x', ?, ?) returning id""", row);
        }
        try (LogCapture log = LogCapture.of("io.mediapipeline.notify")) {
            new DailySummary(p.outbox(), clock).compose();
            assertThat(log.messages(Level.WARN)).singleElement().asString()
                    .contains("Dropped 1 unsent notice(s) for channel telegram");
        }
        assertThat(ledger.rows("""
                select channel || case when sent_at is null then ' unsent' else ' sent' end
                       || case when created_at < ? then ' 8d' else ' 1d' end as row
                  from notify_outbox where kind = 'attention' order by id""", oneDay))
                .extracting(r -> r.get("row")).containsExactly("telegram unsent 1d", "ntfy unsent 8d");
    }

    private static NotifyConfig endpoint(String uri) {
        return new NotifyConfig(true, new NotifyConfig.Ntfy("", "", List.of()), new NotifyConfig.Telegram("", "", ""),
                uri, Duration.ofSeconds(60), Duration.ofHours(24), Duration.ofMinutes(60), 6, "0 0 8 * * ?");
    }
}
