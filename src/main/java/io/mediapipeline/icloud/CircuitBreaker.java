package io.mediapipeline.icloud;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * At most max-attempts-per-hour icloudpd starts (downloads and logins) per account in any 60 minutes; upload
 * batches count too, but only those Apple throttled or refused the session for.
 */
final class CircuitBreaker {

    private final IcloudStore store;
    private final int maxPerHour;
    private final Map<String, Long> open = new ConcurrentHashMap<>();

    CircuitBreaker(IcloudStore store, int maxPerHour) {
        this.store = store;
        this.maxPerHour = maxPerHour;
    }

    /** Null when another start is allowed now, else why not and until when. */
    String check(String account, Instant now) {
        List<Instant> recent = store.attemptsSince(account, now.minus(Duration.ofHours(1)));
        open.put(account, recent.size() >= maxPerHour ? 1L : 0L);
        if (recent.size() >= maxPerHour) {
            Instant reopens = recent.get(recent.size() - maxPerHour).plus(Duration.ofHours(1));
            return "circuit open: " + recent.size() + " attempts in the last hour (max " + maxPerHour
                    + "), next not before " + reopens;
        }
        return null;
    }

    /** Re-evaluates the breaker for the circuit-open gauge; keeps the last value when the ledger cannot answer. */
    void refresh(String account) {
        try {
            check(account, Instant.now());
        } catch (RuntimeException e) {
            // the ledger is closed or unreachable
        }
    }

    /** 1 while the limit is reached, else 0 (the last value seen). */
    long open(String account) {
        return open.getOrDefault(account, 0L);
    }
}
