package io.mediapipeline.status;

import io.mediapipeline.config.Secrets;
import io.mediapipeline.flow.Guard;
import io.mediapipeline.flow.StorageGuard;
import io.mediapipeline.ops.Metrics;
import io.mediapipeline.status.Attention.Kind;
import io.mediapipeline.status.StatusQueries.Account;
import io.mediapipeline.status.StatusQueries.Facts;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The "needs you" rules, most urgent first: the ledger unreadable, the NAS missing, the disk short (nothing is
 * written until they clear), damage the scrub could not mend, an iCloud account waiting for its sign-in, the phone
 * away too long, an iCloud sign-in about to expire. Each says in one sentence what to do; none carries a secret.
 * Called under the status' lock.
 */
final class Attentions {

    static final String PHONE_CONNECTED = "pixel.phone.connected";
    private static final Pattern SESSION_DAYS = Pattern.compile("icloud\\.(.+)\\.session-days-left");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);
    private static final long MIB = 1L << 20;

    private final StatusConfig cfg;
    private final Metrics metrics;
    private final Supplier<Guard> guard;
    private final Instant started;
    private Instant phoneSeen;
    private final Map<String, Instant> firstSeen = new ConcurrentHashMap<>();

    Attentions(StatusConfig cfg, Metrics metrics, Supplier<Guard> guard, Instant started) {
        this.cfg = cfg;
        this.metrics = metrics;
        this.guard = guard;
        this.started = started;
    }

    /**
     * @param facts         the ledger's facts (the last known ones while the database is down)
     * @param databaseDown  why the ledger could not be read now, or empty
     */
    List<Attention> find(Instant now, Optional<Facts> facts, Optional<String> databaseDown) {
        List<Attention> out = new ArrayList<>();
        databaseDown.ifPresent(why -> out.add(new Attention(Kind.DATABASE_DOWN, "ledger", "The ledger database cannot be "
                + "read (" + Secrets.mask(why) + "): check that PostgreSQL is running; the pipeline waits and goes on "
                + "by itself.", null)));
        storage(out);
        Map<String, Number> numbers = metrics == null ? Map.of() : metrics.snapshot();
        facts.ifPresent(f -> {
            if (f.damaged() > 0) {
                out.add(new Attention(Kind.SCRUB_DAMAGE, "archive", f.damaged() + " file(s) in the archive are damaged "
                        + "or missing and could not be restored from a good copy: see the failed files on the dashboard "
                        + "and restore them from a backup.", f.damagedSince().orElse(null)));
            }
        });
        if (cfg.on("icloud")) {
            signIns(out, now, numbers, facts.map(Facts::accounts).orElse(List.of()));
        }
        if (cfg.on("pixel")) {
            phone(out, now, numbers, facts.flatMap(Facts::phoneLastConfirmed));
        }
        List<Attention> dated = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (Attention a : out) {
            keys.add(a.key());
            Instant since = a.since() != null ? a.since() : firstSeen.computeIfAbsent(a.key(), k -> now);
            dated.add(new Attention(a.kind(), a.subject(), a.message(), since));
        }
        firstSeen.keySet().retainAll(keys);
        dated.sort(Comparator.comparingInt(a -> rank(a.kind())));
        return dated;
    }

    private static int rank(Kind k) {
        return switch (k) {
            case DATABASE_DOWN -> 0;
            case NAS_MISSING -> 1;
            case DISK_SHORT -> 2;
            case SCRUB_DAMAGE -> 3;
            case SIGN_IN_NEEDED -> 4;
            case PHONE_OFFLINE -> 5;
            case SIGN_IN_EXPIRING -> 6;
        };
    }

    private void storage(List<Attention> out) {
        Guard g = guard.get();
        if (g instanceof StorageGuard sg) {
            StorageGuard.State s = sg.look();
            long minFree = sg.config().minFreeMb();
            if (!s.markerPresent()) {
                out.add(new Attention(Kind.NAS_MISSING, String.valueOf(s.marker()), "The NAS marker " + s.marker()
                        + " is missing: mount the NAS; nothing is written until it is back, then work resumes by itself.",
                        null));
            } else if (minFree > 0 && s.freeBytes() < 0) {
                out.add(diskShort(sg.config().home() + ": the free space cannot be read"));
            } else if (minFree > 0 && s.freeBytes() < minFree * MIB) {
                out.add(diskShort("only " + s.freeBytes() / MIB + " MiB free under " + sg.config().home() + " (at least "
                        + minFree + " MiB needed)"));
            }
            return;
        }
        g.blocked().ifPresent(why -> out.add(why.contains("NAS marker")
                ? new Attention(Kind.NAS_MISSING, "nas", "Writing is paused: " + why + "; mount the NAS.", null)
                : diskShort(why)));
    }

    private Attention diskShort(String what) {
        return new Attention(Kind.DISK_SHORT, cfg.home().toString(), "Disk space is short: " + what
                + "; free some space, nothing is written until then and work resumes by itself.", null);
    }

    private void signIns(List<Attention> out, Instant now, Map<String, Number> numbers, List<Account> accounts) {
        Set<String> needed = new HashSet<>();
        Map<String, Long> daysLeft = new TreeMap<>();
        for (Account a : accounts) {
            if (a.state().equals("auth-needed")) {
                needed.add(a.name());
                out.add(new Attention(Kind.SIGN_IN_NEEDED, a.name(), "iCloud account " + a.name() + " needs a sign-in: "
                        + "open the iCloud page of the dashboard and enter the code Apple sends to your devices; "
                        + "nothing is downloaded from it until then.", a.authNeededSince().orElse(null)));
            }
            a.sessionExpiresAt().ifPresent(at -> daysLeft.put(a.name(), Duration.between(now, at).toDays()));
        }
        // the download's own reading of the session cookie wins over the ledger's (it is read at every call)
        numbers.forEach((name, value) -> {
            Matcher m = SESSION_DAYS.matcher(name);
            if (m.matches()) {
                daysLeft.put(m.group(1), value.longValue());
            }
        });
        daysLeft.forEach((account, days) -> {
            if (!needed.contains(account) && days <= cfg.signInWarnDays()) {
                out.add(new Attention(Kind.SIGN_IN_EXPIRING, account, "The iCloud sign-in of " + account
                        + (days < 0 ? " has expired" : days == 0 ? " expires today" : " expires in " + days + " day(s)")
                        + ": sign in again on the iCloud page of the dashboard so downloads do not stop.", null));
            }
        });
    }

    private void phone(List<Attention> out, Instant now, Map<String, Number> numbers, Optional<Instant> lastConfirmed) {
        Number connected = numbers.get(PHONE_CONNECTED);
        if (connected != null && connected.longValue() == 1) {
            phoneSeen = now;
            return;
        }
        Instant seen = phoneSeen;
        if (lastConfirmed.isPresent() && (seen == null || lastConfirmed.get().isAfter(seen))) {
            seen = lastConfirmed.get();
        }
        boolean known = seen != null;
        if (!known) {
            seen = started;
        }
        Duration away = Duration.between(seen, now);
        if (away.compareTo(cfg.phoneOffline()) > 0) {
            out.add(new Attention(Kind.PHONE_OFFLINE, "phone", "The phone has not been connected to Syncthing "
                    + (known ? "since " + TIME.format(seen) : "since the pipeline started (" + TIME.format(seen) + ")")
                    + ", " + away.toHours() + " h: open Syncthing on the Pixel and check it runs, is on Wi-Fi and is "
                    + "not paused (the log says whether this server's Syncthing answers); new photos wait here meanwhile.", seen));
        }
    }
}
