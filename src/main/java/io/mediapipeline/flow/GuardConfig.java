package io.mediapipeline.flow;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The guard's settings: the NAS marker (empty = no marker check; relative = under pipeline.home), the free space
 * the file system holding pipeline.home must keep, and how often the guard looks.
 *
 * @param marker     the file that exists only while the NAS is mounted; empty when not checked
 * @param home       pipeline.home, whose file system's usable space is measured
 * @param minFreeMb  below this many MiB free nothing is written (0 = no space check)
 */
public record GuardConfig(Optional<Path> marker, Path home, long minFreeMb, int checkSeconds) {

    public static GuardConfig from(Settings s) {
        Path home = s.home();
        String m = s.get("pipeline.guard.marker").strip();
        Optional<Path> marker = Optional.empty();
        if (!m.isEmpty()) {
            try {
                marker = Optional.of(home.resolve(m).normalize());
            } catch (java.nio.file.InvalidPathException e) {
                throw new ConfigException("pipeline.guard.marker: not a usable path: '" + m + "'");
            }
        }
        long minFree = s.nonNegative("pipeline.guard.min-free-mb");
        int check = s.positive("pipeline.guard.check-seconds");
        return new GuardConfig(marker, home, minFree, check);
    }
}
