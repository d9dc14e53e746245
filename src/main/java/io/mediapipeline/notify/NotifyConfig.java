package io.mediapipeline.notify;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The pipeline.notify.* settings, checked once (each message names its key). A channel is on when its address is
 * set; the tokens come from the environment in practice and are only ever handed to the channel that sends.
 */
public record NotifyConfig(boolean enabled, Ntfy ntfy, Telegram telegram, String endpoint, Duration tick,
                           Duration remind, Duration failuresGroup, int maxPerHour, String summarySchedule) {

    static final String P = "pipeline.notify.";

    public record Ntfy(String url, String token, List<String> tags) {
        boolean on() {
            return !url.isEmpty();
        }
    }

    public record Telegram(String token, String chatId, String baseUri) {
        boolean on() {
            return !chatId.isEmpty();
        }
    }

    public static NotifyConfig from(Settings s) {
        Ntfy ntfy = new Ntfy(s.get(P + "ntfy.url"), s.get(P + "ntfy.token"), s.list(P + "ntfy.tags"));
        Telegram telegram = new Telegram(s.get(P + "telegram.token"), s.get(P + "telegram.chat-id"),
                s.get(P + "telegram.base-uri"));
        NotifyConfig c = new NotifyConfig(s.bool(P + "enabled"), ntfy, telegram, s.get(P + "endpoint"),
                Duration.ofSeconds(s.positive(P + "tick-seconds")), Duration.ofHours(s.positive(P + "remind-hours")),
                Duration.ofMinutes(s.positive(P + "failures.group-minutes")), s.positive(P + "max-per-hour"),
                s.get(P + "summary-schedule"));
        if (!ntfy.on() && !ntfy.token().isEmpty()) {
            throw new ConfigException(P + "ntfy.token is set but " + P + "ntfy.url is empty");
        }
        if (ntfy.on()) {
            http(P + "ntfy.url", ntfy.url());
        }
        if (telegram.on() != !telegram.token().isEmpty()) {
            throw new ConfigException(P + "telegram.token and " + P + "telegram.chat-id go together: set both"
                    + " (the token in the environment, PIPELINE_NOTIFY_TELEGRAM_TOKEN) or neither");
        }
        if (telegram.on()) {
            http(P + "telegram.base-uri", telegram.baseUri());
            if (!telegram.chatId().matches("-?\\d+|@\\w+")) {
                throw new ConfigException(P + "telegram.chat-id: expected a number (or @channelname), got '"
                        + telegram.chatId() + "'");
            }
        }
        if (c.enabled && c.channels().isEmpty()) {
            throw new ConfigException(P + "enabled=true but no channel is set: set " + P + "ntfy.url, "
                    + P + "telegram.chat-id (with its token) or " + P + "endpoint");
        }
        if (c.enabled && c.summarySchedule.isBlank()) {
            throw new ConfigException(P + "summary-schedule: expected a Quartz cron expression, got nothing");
        }
        return c;
    }

    /** The channels that are on, by name: ntfy, telegram, endpoint. */
    public List<String> channels() {
        java.util.ArrayList<String> on = new java.util.ArrayList<>();
        if (ntfy.on()) {
            on.add("ntfy");
        }
        if (telegram.on()) {
            on.add("telegram");
        }
        if (!endpoint.isEmpty()) {
            on.add("endpoint");
        }
        return List.copyOf(on);
    }

    private static void http(String key, String value) {
        try {
            URI u = new URI(value);
            if (!("https".equals(u.getScheme()) || "http".equals(u.getScheme())) || u.getHost() == null) {
                throw new ConfigException(key + ": expected an http(s) URL, got '" + io.mediapipeline.config.Secrets.mask(value) + "'");
            }
            if (u.getUserInfo() != null) {
                throw new ConfigException(key + ": no user or password in the URL, please (a token goes in the environment)");
            }
        } catch (java.net.URISyntaxException e) {
            throw new ConfigException(key + ": not a URL: '" + io.mediapipeline.config.Secrets.mask(value) + "'");
        }
    }
}
