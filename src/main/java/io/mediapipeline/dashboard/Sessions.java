package io.mediapipeline.dashboard;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dashboard's sessions, in memory only (a restart signs everyone out, which is fine for a household): a random
 * id (the cookie), a random CSRF token, a one-time message, and an expiry.
 */
final class Sessions {

    static final Duration LIFETIME = Duration.ofHours(12);
    private static final SecureRandom RANDOM = new SecureRandom();
    // a bound, so a caller with the token cannot grow the heap without end
    private static final int MAX = 1000;

    private final Map<String, Session> byId = new ConcurrentHashMap<>();
    private final Clock clock;

    Sessions(Clock clock) {
        this.clock = clock;
    }

    static final class Session {
        final String id = random();
        final String csrf = random();
        final Instant expires;
        volatile String flash;

        Session(Instant expires) {
            this.expires = expires;
        }

        /** The one-time message, cleared as it is read. */
        String takeFlash() {
            String f = flash;
            flash = null;
            return f;
        }
    }

    Session create() {
        Instant now = clock.instant();
        byId.values().removeIf(s -> s.expires.isBefore(now));
        if (byId.size() >= MAX) {
            byId.values().stream().min(java.util.Comparator.comparing(s -> s.expires))
                    .ifPresent(oldest -> byId.remove(oldest.id));
        }
        Session s = new Session(now.plus(LIFETIME));
        byId.put(s.id, s);
        return s;
    }

    /** The live session with this id, or null. */
    Session find(String id) {
        if (id == null) {
            return null;
        }
        Session s = byId.get(id);
        if (s != null && s.expires.isBefore(clock.instant())) {
            byId.remove(id);
            return null;
        }
        return s;
    }

    static String random() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
