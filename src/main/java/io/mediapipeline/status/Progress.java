package io.mediapipeline.status;

import java.time.Duration;
import java.util.Optional;

/**
 * Long work under way (a backfill, a big first download, a compress backlog).
 *
 * @param left       files still to do
 * @param perMinute  files done per minute, averaged over the recent past
 * @param timeLeft   left / rate (empty while there is no rate yet)
 */
public record Progress(long left, double perMinute, Optional<Duration> timeLeft) {
}
