package io.mediapipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Rate and time left from readings of a running total on a clock the test sets. */
class RateTest {

    private final Instant t0 = Instant.parse("2026-12-02T10:00:00Z");

    @Test
    void rateAndTimeLeftReadAsOneLine() {
        Rate rate = new Rate(Duration.ofMinutes(10));
        rate.add(t0, 1000);
        rate.add(t0.plus(Duration.ofMinutes(4)), 1050);
        rate.add(t0.plus(Duration.ofMinutes(10)), 1125);

        Progress p = rate.progress(1234);

        assertThat(p.perMinute()).isEqualTo(12.5);
        assertThat(p.timeLeft()).contains(Duration.ofSeconds(5923));
        assertThat(Wording.progress("compress", p)).isEqualTo("compress: 1,234 files left, 12.5 files/min, about 1 h 38 min left");
    }

    @Test
    void theWindowSlidesSoTheRateFollowsThePace() {
        Rate rate = new Rate(Duration.ofMinutes(10));
        rate.add(t0, 0);
        rate.add(t0.plus(Duration.ofMinutes(10)), 1000);
        assertThat(rate.perMinute()).contains(100.0);
        // the next 20 minutes are slow: the fast start leaves the window
        rate.add(t0.plus(Duration.ofMinutes(20)), 1010);
        rate.add(t0.plus(Duration.ofMinutes(30)), 1020);
        assertThat(rate.perMinute()).contains(1.0);
    }

    @Test
    void nothingMovingHasNoTimeLeft() {
        Rate rate = new Rate(Duration.ofMinutes(10));
        assertThat(rate.progress(60).timeLeft()).as("no reading yet").isEmpty();
        rate.add(t0, 5);
        rate.add(t0.plus(Duration.ofMinutes(5)), 5);
        Progress p = rate.progress(60);
        assertThat(p.perMinute()).isZero();
        assertThat(p.timeLeft()).isEmpty();
        assertThat(Wording.progress("pixel", p)).isEqualTo("pixel: 60 files left, no progress in the last minutes");
    }

    @Test
    void aTotalThatWentDownStartsAgain() {
        Rate rate = new Rate(Duration.ofMinutes(10));
        rate.add(t0, 500);
        rate.add(t0.plus(Duration.ofMinutes(1)), 100);
        assertThat(rate.perMinute()).isEmpty();
        rate.add(t0.plus(Duration.ofMinutes(2)), 130);
        assertThat(rate.perMinute()).contains(30.0);
    }
}
