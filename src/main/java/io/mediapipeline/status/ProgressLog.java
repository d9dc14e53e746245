package io.mediapipeline.status;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The log's side of progress: for each stage working through a backlog, one line every {@code every} (the first at
 * once), e.g. {@code compress: 1,234 files left, 12.5 files/min, about 1 h 39 min left}, and one line when the
 * backlog is done. Not thread-safe: one scheduler calls it.
 */
final class ProgressLog {

    private record Backlog(Instant since, long outAtStart, Instant logged) {
    }

    private final Duration every;
    private final Map<String, Backlog> backlogs = new HashMap<>();

    ProgressLog(Duration every) {
        this.every = every;
    }

    /** The lines to log for this snapshot (none when nothing is due). */
    List<String> lines(Snapshot s) {
        List<String> out = new ArrayList<>();
        for (StageView v : s.stages()) {
            Backlog b = backlogs.get(v.stage());
            if (v.progress().isPresent()) {
                if (b == null || !s.at().isBefore(b.logged().plus(every))) {
                    out.add(Wording.progress(v.stage(), v.progress().get()));
                    backlogs.put(v.stage(), new Backlog(b == null ? s.at() : b.since(), b == null ? v.out() : b.outAtStart(),
                            s.at()));
                }
            } else if (b != null) {
                backlogs.remove(v.stage());
                long done = Math.max(0, v.out() - b.outAtStart());
                String took = Wording.duration(Duration.between(b.since(), s.at()));
                out.add(v.queued() == 0
                        ? String.format(Locale.ROOT, "%s: backlog done, %s in %s", v.stage(), Wording.count(done, "file"), took)
                        : String.format(Locale.ROOT, "%s: backlog down to %s (%,d done in %s)", v.stage(),
                                Wording.count(v.queued(), "file"), done, took));
            }
        }
        return out;
    }
}
