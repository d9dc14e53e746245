package io.mediapipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The words the log, the dashboard and the notifications share. */
class WordingTest {

    @Test
    void durationsReadLikeAPersonWouldSayThem() {
        assertThat(Wording.duration(Duration.ofSeconds(30))).isEqualTo("less than a minute");
        assertThat(Wording.duration(Duration.ofMinutes(5))).isEqualTo("5 min");
        assertThat(Wording.duration(Duration.ofMinutes(99))).isEqualTo("1 h 39 min");
        assertThat(Wording.duration(Duration.ofMinutes(120))).isEqualTo("2 h");
        assertThat(Wording.duration(Duration.ofHours(51))).isEqualTo("2 d 3 h");
    }

    @Test
    void sizesUseDecimalUnitsWithOneDecimalBelowTen() {
        assertThat(Wording.bytes(12)).isEqualTo("12 B");
        assertThat(Wording.bytes(830_000)).isEqualTo("830 kB");
        assertThat(Wording.bytes(1_500_000_000L)).isEqualTo("1.5 GB");
        assertThat(Wording.bytes(999_960)).as("rounds up into the next unit").isEqualTo("1.0 MB");
        assertThat(Wording.bytes(9_960)).isEqualTo("10 kB");
    }

    @Test
    void countsCarryTheirNoun() {
        assertThat(Wording.count(1, "file")).isEqualTo("1 file");
        assertThat(Wording.count(0, "file")).isEqualTo("0 files");
        assertThat(Wording.count(1234, "file")).isEqualTo("1,234 files");
    }

    @Test
    void progressSaysWhatIsLeftAndWhen() {
        Progress moving = new Progress(1234, 12.5, Optional.of(Duration.ofMinutes(99)));
        assertThat(Wording.progress("compress", moving))
                .isEqualTo("compress: 1,234 files left, 12.5 files/min, about 1 h 39 min left");
        Progress almost = new Progress(3, 12.5, Optional.of(Duration.ofSeconds(14)));
        assertThat(Wording.pace(almost)).isEqualTo("12.5 files/min, less than a minute left");
        Progress stuck = new Progress(1, 0, Optional.empty());
        assertThat(Wording.progress("pixel", stuck)).isEqualTo("pixel: 1 file left, no progress in the last minutes");
    }

    @Test
    void aMissingTimeIsNever() {
        assertThat(Wording.when(null)).isEqualTo("never");
    }
}
