package io.mediapipeline.status;

import io.mediapipeline.status.StatusQueries.Counts;
import io.mediapipeline.status.StatusQueries.Facts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The pipeline status from the ledger, the routes and the guard, recomputed at most once per
 * {@code pipeline.status.refresh-seconds} whoever asks (dashboard, notifications, metrics) and from any thread. While
 * one caller computes, the others get the previous snapshot; while the database cannot be read the snapshot keeps
 * the last known counts and says DATABASE_DOWN.
 *
 * <p>What each stage's counts mean (files, all time unless said otherwise; "queued" is 0 while the stage is off):
 * <ul>
 * <li><b>sources</b> (iCloud download, folder, inbox): in = inputs found (every input recorded, plus iCloud downloads
 * handed to inbox/icloud/ that ingest has not taken up yet); out = inputs handed to ingest; failed = inputs left out
 * (a symbolic link, a folder too deep, a date in the future: the run report says why); queued = iCloud downloads
 * handed over and not taken up yet (icloudpd's own count of what is left to download is not in the ledger);
 * last run = the latest input, download start or hand-over; last success = the latest input taken or download that
 * ended in success.</li>
 * <li><b>ingest</b>: in = inputs taken up; out = inputs done (a new original or a duplicate); failed = inputs
 * quarantined plus files in error while ingesting; queued = inputs taken up and not done yet.</li>
 * <li><b>organize</b>: out = originals placed in sorted/ (archive path recorded); failed = files in error from
 * organize; queued = ingested files not placed yet.</li>
 * <li><b>compress</b>: out = files with a decision (a smaller copy, the original kept, or not worth trying); failed =
 * files whose compression failed (the original is used; retried on a later run); queued = originals without a
 * decision.</li>
 * <li><b>pixel</b>: out = deliveries proven on the phone; failed = deliveries failed; queued = originals not staged
 * yet plus staged ones not proven yet.</li>
 * <li><b>icloud-upload</b>: out = uploads proven in iCloud; failed = uploads failed; queued = files ready to go
 * (compress decided) without an upload, plus uploads under way or not proven yet.</li>
 * <li><b>verify</b>: in = files archived (or further); out = files proven at least once; failed = files in error
 * from verify; queued = archived files due for a look now (with compression on, once it decided); a file waiting
 * for a target's proof (the phone's hold) is not queued until its next look is due.</li>
 * <li><b>cleanup</b>: in = verified files; out = cleaned files; failed = files with a removal in error; queued =
 * verified files not cleaned yet.</li>
 * <li><b>scrub</b>: in = files in the archive; out = files read in full within the last
 * {@code pipeline.scrub.cycle-days}; failed = files with open damage findings; queued = files not read within the
 * cycle. The scrub spreads its reading over the cycle on purpose, so it shows no progress (no backlog to finish).</li>
 * </ul>
 * Last run = when the stage last changed a file or ran a pass; last success = when it last finished a file (the
 * scrub: a run).
 */
public final class LedgerStatus implements PipelineStatus {

    // reads a share of the archive per day by design: its queue is never a backlog to work through
    private static final String PACED = "scrub";

    private final StatusConfig cfg;
    private final StatusQueries queries;
    private final RouteGroups routes;
    private final Attentions attentions;
    private final Supplier<Instant> clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Rate> rates = new HashMap<>();
    private volatile Snapshot cached;
    private Facts lastFacts;
    private Map<String, Optional<Progress>> lastProgress = Map.of();

    LedgerStatus(StatusConfig cfg, StatusQueries queries, RouteGroups routes, Attentions attentions,
                 Supplier<Instant> clock) {
        this.cfg = cfg;
        this.queries = queries;
        this.routes = routes;
        this.attentions = attentions;
        this.clock = clock;
    }

    @Override
    public Snapshot now() {
        Snapshot s = cached;
        if (s != null && fresh(s)) {
            return s;
        }
        if (s != null) {
            if (!lock.tryLock()) {
                return s; // another caller is computing it
            }
        } else {
            lock.lock();
        }
        try {
            s = cached;
            if (s == null || !fresh(s)) {
                s = compute(clock.get());
                cached = s;
            }
            return s;
        } finally {
            lock.unlock();
        }
    }

    private boolean fresh(Snapshot s) {
        return Duration.between(s.at(), clock.get()).compareTo(cfg.refresh()) < 0;
    }

    private Snapshot compute(Instant at) {
        Optional<String> down = Optional.empty();
        Facts facts;
        try {
            facts = queries.read(at);
            lastFacts = facts;
        } catch (RuntimeException e) {
            down = Optional.of(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            facts = lastFacts;
        }
        Map<String, RouteGroups.Group> groups = routes.byGroup();
        Map<String, Optional<Progress>> progress = new HashMap<>();
        List<StageView> stages = new ArrayList<>();
        for (String stage : StatusConfig.STAGES) {
            Counts c = facts == null ? new Counts(0, 0, 0, 0, Optional.empty(), Optional.empty())
                    : facts.stages().get(stage);
            Optional<Progress> p = down.isPresent() ? lastProgress.getOrDefault(stage, Optional.empty())
                    : progress(stage, at, c);
            progress.put(stage, p);
            RouteGroups.Group g = groups.getOrDefault(stage, new RouteGroups.Group(List.of(), "Stopped"));
            // a stage switched off in the settings is "Off", not "Stopped": starting its routes would run it unconfigured
            String state = cfg.on(stage) ? g.state() : StageView.OFF;
            stages.add(new StageView(stage, g.routes(), state, c.in(), c.out(), c.failed(), c.queued(), c.lastRun(),
                    c.lastSuccess(), p));
        }
        lastProgress = progress;
        Totals totals = facts == null ? new Totals(0, 0, 0, 0, 0, 0, 0, 0, 0) : facts.totals();
        return new Snapshot(at, stages, attentions.find(at, Optional.ofNullable(facts), down), totals);
    }

    /** Samples the stage's "out" for its rate; a progress while its queue is at least the configured size. */
    private Optional<Progress> progress(String stage, Instant at, Counts c) {
        Rate rate = rates.computeIfAbsent(stage, s -> new Rate(cfg.progressWindow()));
        rate.add(at, c.out());
        boolean backlog = c.queued() >= cfg.progressMinFiles() && !stage.equals(PACED);
        return backlog ? Optional.of(rate.progress(c.queued())) : Optional.empty();
    }
}
