package io.mediapipeline.ops;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.component.file.GenericFileEndpoint;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.EventNotifier;
import org.apache.camel.spi.PollingConsumerPollStrategy;
import org.apache.camel.support.EventNotifierSupport;

/**
 * Knows whether the pipeline is quiet: which file consumers are polling right now, when each last
 * finished a poll that found nothing, and when work last happened. `once` ends, and the service
 * writes its run report, only when every consumer has looked again after the last piece of work
 * and found nothing (a file still being written keeps its consumer "polling" until it is stable).
 * Registered on each file endpoint as pollStrategy=#activity.
 */
public class Activity implements PollingConsumerPollStrategy {

    private record Poll(long startedAt, long endedAt, int messages) {
    }

    private final Map<Endpoint, Long> polling = new ConcurrentHashMap<>();
    private final Map<Endpoint, Poll> lastEmptyPoll = new ConcurrentHashMap<>();
    private volatile long lastWork = System.nanoTime();

    @Override
    public boolean begin(Consumer consumer, Endpoint endpoint) {
        polling.put(endpoint, System.nanoTime());
        return true;
    }

    @Override
    public void commit(Consumer consumer, Endpoint endpoint, int polledMessages) {
        Long started = polling.remove(endpoint);
        long now = System.nanoTime();
        if (polledMessages > 0) {
            workHappened();
        } else if (started != null) {
            lastEmptyPoll.put(endpoint, new Poll(started, now, 0));
        }
    }

    @Override
    public boolean rollback(Consumer consumer, Endpoint endpoint, int retryCounter, Exception cause) {
        polling.remove(endpoint);
        workHappened();
        return false;
    }

    public void workHappened() {
        lastWork = System.nanoTime();
    }

    /**
     * A file exchange that failed leaves its input to be offered again, but only once it is released, which can be
     * after the next poll began (the work runs on other threads): that poll's "nothing" must not count as quiet.
     * Camel signals the failure after the release. Bound in the registry, Camel adds it to its event notifiers.
     */
    public EventNotifier failedFileExchanges() {
        return new EventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.ExchangeFailedEvent failed
                        && failed.getExchange().getFromEndpoint() instanceof GenericFileEndpoint<?>) {
                    workHappened();
                }
            }

            @Override
            public boolean isEnabled(CamelEvent event) {
                return event instanceof CamelEvent.ExchangeFailedEvent;
            }
        };
    }

    /**
     * Quiet means: nothing in flight, no consumer mid-poll, and each watched consumer finished an
     * empty poll that began after the last work, which itself is at least quietNanos ago.
     */
    public boolean quiet(Iterable<Endpoint> watched, int inflight, long quietNanos) {
        if (inflight > 0 || !polling.isEmpty()) {
            return false;
        }
        long work = lastWork;
        if (System.nanoTime() - work < quietNanos) {
            return false;
        }
        for (Endpoint e : watched) {
            Poll p = lastEmptyPoll.get(e);
            if (p == null || p.startedAt() <= work) {
                return false;
            }
        }
        return true;
    }
}
