package io.mediapipeline.notify;

import io.mediapipeline.ledger.LedgerException;
import io.mediapipeline.status.Attention;
import io.mediapipeline.status.PipelineStatus;
import io.mediapipeline.status.Wording;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What needs a person (route notify-attention, each tick): the status's needsYou list against what was announced
 * (table notify_attention). A new one is announced once; while it lasts, a reminder every remind-hours; when it
 * clears, a short "resolved". The database being down cannot go through the outbox, so that notice is sent
 * directly: once per outage, and at most once per remind-hours however often the database comes and goes.
 */
public class AttentionWatch {

    private static final Logger LOG = LoggerFactory.getLogger(AttentionWatch.class);

    private record Known(String kind, String subject, Instant noticedAt, Instant remindedAt) {
    }

    private final Supplier<Optional<PipelineStatus>> status;
    private final Outbox outbox;
    private final Duration remind;
    private final Clock clock;
    private final DirectSend direct;
    private volatile boolean missingLogged;
    private volatile boolean databaseDownSent;
    private volatile Instant lastDirect;

    /** Sends one notice to every channel now, bypassing the outbox (used only while the ledger is down). */
    interface DirectSend {
        void send(Notice n);
    }

    AttentionWatch(Supplier<Optional<PipelineStatus>> status, Outbox outbox, Duration remind, Clock clock, DirectSend direct) {
        this.status = status;
        this.outbox = outbox;
        this.remind = remind;
        this.clock = clock;
        this.direct = direct;
    }

    public void check() {
        Optional<PipelineStatus> s = status.get();
        if (s.isEmpty()) {
            if (!missingLogged) {
                LOG.warn("No pipeline status is bound: notices about what needs you are off");
                missingLogged = true;
            }
            return;
        }
        List<Attention> now = s.get().now().needsYou();
        try {
            record(now);
        } catch (LedgerException e) {
            Optional<Attention> down = now.stream().filter(a -> a.kind() == Attention.Kind.DATABASE_DOWN).findFirst();
            Instant at = clock.instant();
            if (down.isPresent() && !databaseDownSent && (lastDirect == null || !lastDirect.plus(remind).isAfter(at))) {
                direct.send(announce(down.get()));
                databaseDownSent = true;
                lastDirect = at;
            }
            throw e;
        }
    }

    private void record(List<Attention> now) {
        Instant at = clock.instant();
        Map<String, Attention> current = new LinkedHashMap<>();
        now.forEach(a -> current.putIfAbsent(a.key(), a));
        outbox.inTx(j -> {
            Map<String, Known> known = new HashMap<>();
            j.query("select key, kind, subject, noticed_at, reminded_at from notify_attention for update", rs -> {
                known.put(rs.getString(1), new Known(rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant(),
                        rs.getTimestamp(5).toInstant()));
            });
            for (Attention a : current.values()) {
                Known k = known.get(a.key());
                if (k == null) {
                    j.update("""
                            insert into notify_attention (key, kind, subject, message, noticed_at, reminded_at)
                            values (?, ?, ?, ?, ?, ?)""", a.key(), a.kind().name(), a.subject(), a.message(),
                            Timestamp.from(at), Timestamp.from(at));
                    // the outage notice already went out directly
                    if (!(a.kind() == Attention.Kind.DATABASE_DOWN && databaseDownSent)) {
                        outbox.add(j, announce(a), at);
                    }
                } else if (!k.remindedAt().plus(remind).isAfter(at)) {
                    j.update("update notify_attention set reminded_at = ?, message = ? where key = ?",
                            Timestamp.from(at), a.message(), a.key());
                    outbox.add(j, new Notice("reminder", "Still: " + title(a.kind()),
                            a.message() + "\n(" + since(k.noticedAt(), at) + ")", priority(a.kind())), at);
                }
            }
            for (Map.Entry<String, Known> e : known.entrySet()) {
                if (!current.containsKey(e.getKey())) {
                    Known k = e.getValue();
                    j.update("delete from notify_attention where key = ?", e.getKey());
                    Attention.Kind kind = Attention.Kind.valueOf(k.kind());
                    outbox.add(j, new Notice("resolved", "Resolved: " + title(kind),
                            k.subject() + ": resolved after " + since(k.noticedAt(), at).replace("for ", "") + ".", 2), at);
                }
            }
            boolean downNow = current.values().stream().anyMatch(a -> a.kind() == Attention.Kind.DATABASE_DOWN);
            boolean downKnown = known.values().stream().anyMatch(k -> k.kind().equals(Attention.Kind.DATABASE_DOWN.name()));
            if (databaseDownSent && !downNow && !downKnown) {
                outbox.add(j, new Notice("resolved", "Resolved: " + title(Attention.Kind.DATABASE_DOWN),
                        "The ledger answers again.", 2), at);
            }
            return null;
        });
        // from here on the outage (if it lasts) is in notify_attention like any other
        databaseDownSent = false;
    }

    static Notice announce(Attention a) {
        return new Notice("attention", title(a.kind()), a.message(), priority(a.kind()));
    }

    static String title(Attention.Kind kind) {
        return switch (kind) {
            case SIGN_IN_NEEDED -> "iCloud sign-in needed";
            case SIGN_IN_EXPIRING -> "iCloud sign-in expiring soon";
            case PHONE_OFFLINE -> "Phone offline";
            case DISK_SHORT -> "Disk space short";
            case NAS_MISSING -> "NAS missing";
            case SCRUB_DAMAGE -> "Scrub found damage";
            case DATABASE_DOWN -> "Database down";
        };
    }

    static int priority(Attention.Kind kind) {
        return switch (kind) {
            case DATABASE_DOWN, NAS_MISSING, SIGN_IN_NEEDED -> 5;
            case DISK_SHORT, SCRUB_DAMAGE -> 4;
            case SIGN_IN_EXPIRING, PHONE_OFFLINE -> 3;
        };
    }

    private static String since(Instant from, Instant to) {
        return "for " + Wording.duration(Duration.between(from, to));
    }
}
