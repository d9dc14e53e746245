package io.mediapipeline.scrub;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** One scrub run's tally, for its log line, scrub_runs, the tests and the benchmark. */
public final class ScrubRun {

    /** What a run did: files read in full, bytes read, wall seconds, new findings, copies restored. */
    public record Figures(int files, long bytes, double seconds, int findings, int restored) {

        public double mbPerSecond() {
            return seconds <= 0 ? 0 : bytes / (double) (1L << 20) / seconds;
        }
    }

    int files;
    int findings;
    int restored;
    int unhashed;
    String note;
    /** The file read in full and not yet recorded as such (written before its claim is released). */
    final List<UUID> read = new ArrayList<>();
    /** Files with an open finding when the run started: only their good copies may resolve one. */
    Set<UUID> withOpenFindings = Set.of();

    Figures figures(long bytes, double seconds) {
        return new Figures(files, bytes, seconds, findings, restored);
    }
}
