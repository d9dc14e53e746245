package io.mediapipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The parallel pass's threads: named by their pool, stopped when the caller gives up, ended by close. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ParallelPassTest {

    @Test
    void eachPoolNamesItsOwnThreads() {
        Set<String> names = ConcurrentHashMap.newKeySet();
        try (ParallelPass pass = new ParallelPass(2); ParallelPass placing = new ParallelPass(2, "ingest-place")) {
            pass.each(List.of(1, 2), i -> names.add(Thread.currentThread().getName()));
            placing.each(List.of(1, 2), i -> names.add(Thread.currentThread().getName()));
        }
        assertThat(names).anyMatch(n -> n.startsWith("ingest-pass-")).anyMatch(n -> n.startsWith("ingest-place-"));
    }

    @Test
    void anInterruptedCallerLeavesNoWorkRunning() throws Exception {
        CountDownLatch started = new CountDownLatch(2);
        AtomicInteger stopped = new AtomicInteger();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        try (ParallelPass pass = new ParallelPass(2)) {
            Thread caller = new Thread(() -> {
                try {
                    pass.each(List.of(1, 2), i -> {
                        started.countDown();
                        try {
                            Thread.sleep(60_000);
                        } catch (InterruptedException e) {
                            stopped.incrementAndGet();
                        }
                    });
                } catch (RuntimeException e) {
                    thrown.set(e);
                }
            });
            caller.start();
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            caller.interrupt();
            caller.join(10_000);
            assertThat(thrown.get()).hasMessageContaining("interrupted");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (stopped.get() < 2 && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertThat(stopped.get()).isEqualTo(2); // both sleepers were cancelled, not left for a minute
        }
    }

    @Test
    void aClosedPassTakesNoMoreWork() {
        ParallelPass pass = new ParallelPass(2);
        pass.close();
        assertThatThrownBy(() -> pass.each(List.of(1, 2), i -> { })).hasMessageContaining("stopped")
                .hasCauseInstanceOf(java.util.concurrent.RejectedExecutionException.class);
    }

    @Test
    void closingUnderABatchFailsItInsteadOfLeavingItWaitingForQueuedWork() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        ParallelPass pass = new ParallelPass(1);
        // one thread, three elements: two wait in the queue while the first runs
        Thread caller = new Thread(() -> {
            try {
                pass.each(List.of(1, 2, 3), i -> {
                    started.countDown();
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            } catch (RuntimeException e) {
                thrown.set(e);
            }
        });
        caller.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        pass.close();

        caller.join(10_000);
        assertThat(caller.isAlive()).as("the batch's thread is not left waiting").isFalse();
        assertThat(thrown.get()).isNotNull();
    }
}
