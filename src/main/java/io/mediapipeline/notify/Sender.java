package io.mediapipeline.notify;

import io.mediapipeline.status.Wording;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what waits in the outbox (route notify-send, each tick): per channel, at most max-per-hour messages in any
 * hour; what waits goes as one message (the oldest notice, the others listed under it, up to BATCH notices a
 * message), so notices held back by the limit or by a failed send are folded into the next message, never dropped.
 * A send is recorded only once the channel accepted it; a failure is logged without any secret and tried again on
 * the next tick.
 */
public class Sender {

    private static final Logger LOG = LoggerFactory.getLogger(Sender.class);
    private static final int LISTED = 10;
    /** Notices per message at most: a channel down for days leaves every tick the same small amount of work. */
    static final int BATCH = 100;

    private final Outbox outbox;
    private final List<Channel> channels;
    private final int maxPerHour;
    private final Duration tick;
    private final Clock clock;
    private final java.util.Map<String, Integer> failures = new java.util.concurrent.ConcurrentHashMap<>();

    Sender(Outbox outbox, List<Channel> channels, int maxPerHour, Duration tick, Clock clock) {
        this.outbox = outbox;
        this.channels = List.copyOf(channels);
        this.maxPerHour = maxPerHour;
        this.tick = tick;
        this.clock = clock;
    }

    /** One pass over the channels; returns how many messages went out. */
    public int send() {
        int sent = 0;
        for (Channel channel : channels) {
            if (sendTo(channel)) {
                sent++;
            }
        }
        return sent;
    }

    /** Straight to every channel, outside the outbox and the hourly count: only for when the ledger is down. */
    void sendNow(Notice n) {
        for (Channel channel : channels) {
            try {
                channel.send(n);
                LOG.info("Notice \"{}\" sent to {} (directly: the ledger is down)", n.title(), channel.name);
            } catch (Exception e) {
                LOG.warn("Notice \"{}\" not sent to {}: {}", n.title(), channel.name, channel.describe(e));
            }
        }
    }

    private boolean sendTo(Channel channel) {
        Outbox.Batch batch = outbox.unsent(channel.name, BATCH);
        List<Outbox.Row> waiting = batch.rows();
        if (waiting.isEmpty()) {
            return false;
        }
        Instant now = clock.instant();
        if (outbox.sentSince(channel.name, now.minus(Duration.ofHours(1))) >= maxPerHour) {
            LOG.debug("{}: {} notice(s) held back, {} messages sent in the last hour already", channel.name,
                    batch.waiting(), maxPerHour);
            return false;
        }
        Outbox.Row first = waiting.get(0);
        List<Outbox.Row> folded = waiting.subList(1, waiting.size());
        Notice message = fold(first, folded, batch.waiting() - waiting.size(), now);
        try {
            channel.send(message);
        } catch (Exception e) {
            String why = channel.describe(e);
            outbox.failed(waiting, why);
            int failed = failures.merge(channel.name, 1, Integer::sum);
            // a channel down for a day would otherwise fill the log: the first failure, then one line an hour or so
            if (failed == 1 || failed % 60 == 0) {
                LOG.warn("Notice \"{}\" not sent to {}: {}; trying again every {} s{}", message.title(), channel.name, why,
                        tick.toSeconds(), failed == 1 ? "" : " (" + failed + " tries failed in a row)");
            }
            return false;
        }
        outbox.sent(first, folded, now);
        Integer failedBefore = failures.remove(channel.name);
        if (failedBefore != null) {
            LOG.info("{} takes notices again after {} failed tries", channel.name, failedBefore);
        }
        LOG.info("Notice \"{}\" sent to {}{}", message.title(), channel.name,
                folded.isEmpty() ? "" : " with " + folded.size() + " more folded in");
        return true;
    }

    /**
     * The first notice, and under it one line per other notice of the batch (a summary's title says what it counts);
     * {@code later} notices beyond the batch go in the next message.
     */
    private Notice fold(Outbox.Row first, List<Outbox.Row> others, long later, Instant now) {
        if (others.isEmpty() && later == 0) {
            return new Notice(first.kind(), first.title(), first.body(), first.priority());
        }
        boolean held = !others.isEmpty() && others.get(0).createdAt().isBefore(now.minus(tick.multipliedBy(2)));
        StringBuilder body = new StringBuilder(first.body()).append("\n\n")
                .append(Wording.count(others.size(), "more notice")).append(held ? " held back:" : ":");
        int priority = first.priority();
        for (int i = 0; i < others.size(); i++) {
            Outbox.Row r = others.get(i);
            priority = Math.max(priority, r.priority());
            if (i < LISTED) {
                String line = firstLine(r.body());
                body.append("\n- ").append(r.title()).append(line.endsWith(":") ? "" : ": " + line);
            }
        }
        if (others.size() > LISTED) {
            body.append("\n- and ").append(others.size() - LISTED).append(" more (see the dashboard)");
        }
        if (later > 0) {
            body.append("\n").append(Wording.count(later, "more notice")).append(later == 1 ? " waits" : " wait")
                    .append(" for the next message.");
        }
        String title = first.title() + " (+" + others.size() + " more)";
        return new Notice(first.kind(), title, body.toString(), priority);
    }

    private static String firstLine(String body) {
        int nl = body.indexOf('\n');
        String line = nl < 0 ? body : body.substring(0, nl);
        return line.length() > 160 ? line.substring(0, 159) + "…" : line;
    }
}
