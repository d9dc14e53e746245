package io.mediapipeline.scrub;

import io.mediapipeline.flow.CopySource;
import io.mediapipeline.flow.Guard;
import io.mediapipeline.flow.GuardClosedException;
import io.mediapipeline.flow.InodeHashes;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.scrub.ScrubLedger.Finding;
import io.mediapipeline.scrub.ScrubLedger.Item;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One scrub run: the share of the archive that is due (oldest scrubbed_at first) is read in full under the read-rate
 * cap; every copy the ledger names must be there, a regular file, and hash to the ledger's sha256 (an inode is read
 * once, however many of the file's paths are links of it). What is not becomes a finding, reported once; a damaged
 * or lost original or archive copy is restored when the settings allow ({@link Restorer}), else the file goes to
 * 'error' so that nothing is ever cleaned on the strength of it. Each file is read and mended under its claim (one
 * node at a time); a closed guard or a missing originals/ or sorted/ (the NAS away) pauses the run, never faults a file.
 */
public class Scrubber {

    private static final Logger LOG = LoggerFactory.getLogger(Scrubber.class);
    static final String STAGE = "scrub";
    /** The folders under pipeline.home that hold what is scrubbed: one not there means the NAS is not mounted. */
    static final List<String> ROOTS = List.of("originals", "sorted");

    /** One copy as read: the finding is null when it is what the ledger says. */
    record Copy(String role, Path path, Object inode, Finding finding) {
        boolean bad() {
            return finding != null;
        }
    }

    private final ScrubConfig config;
    private final ScrubLedger scrub;
    private final Ledger ledger;
    private final Guard guard;
    private final LongSupplier runId;
    private final String node;
    private final Clock clock;
    private final RateReader reader;
    private final Restorer restorer;
    private volatile boolean stopping;
    private int batch = 500;
    static final int ERRORS_PER_RUN = 100; // files in error read first on each run, at most this or the share, the larger

    Scrubber(ScrubConfig config, ScrubLedger scrub, Ledger ledger, Guard guard, LongSupplier runId, String node,
             Clock clock, Restorer.Sources sources) {
        this.config = config;
        this.scrub = scrub;
        this.ledger = ledger;
        this.guard = guard;
        this.runId = runId;
        this.node = node;
        this.clock = clock;
        this.reader = new RateReader(new ReadLimiter(config.maxBytesPerSecond()));
        this.restorer = new Restorer(config, scrub, reader, sources, clock);
    }

    /**
     * A scrubber over the ledger in {@code ds}; {@code sources} are asked at each restore (another stage may bind a copy
     * source later). Used by the stage and by bench/ScrubBench.
     */
    public static Scrubber create(ScrubConfig config, DataSource ds, Ledger ledger, Guard guard, LongSupplier runId,
                                  String node, Clock clock, Supplier<Collection<CopySource>> sources) {
        return new Scrubber(config, new ScrubLedger(ds), ledger, guard, runId, node, clock, sources::get);
    }

    /**
     * How many files this run reads: the part of the archive that the time since the previous run is of the cycle, at
     * least a day's part, at most all of it. The read-rate cap does not shrink it (every file once per cycle is the
     * promise); a share the cap cannot read before the next run is a warning instead, naming the keys.
     */
    static int share(long total, Optional<Instant> previous, Instant now, ScrubConfig config) {
        if (total <= 0) {
            return 0;
        }
        long cycleMillis = config.cycle().toMillis();
        long perDay = ceilDiv(total, config.cycleDays());
        long byTime = previous.map(p -> {
            long elapsed = Math.min(cycleMillis, Math.max(0, Duration.between(p, now).toMillis()));
            return (long) Math.ceil(total * (double) elapsed / cycleMillis);
        }).orElse(perDay);
        return (int) Math.min(Integer.MAX_VALUE, Math.min(total, Math.max(perDay, byTime)));
    }

    /** The scheduled run (route scrub); also callable from tools and benchmarks. */
    public synchronized ScrubRun.Figures run() throws IOException {
        Instant started = clock.instant();
        long t0 = System.nanoTime();
        long bytes0 = reader.bytesRead();
        Optional<String> closed = paused();
        if (closed.isPresent()) {
            LOG.info("Scrub not started: {} (the next scheduled run tries again)", closed.get());
            return new ScrubRun().figures(0, 0);
        }
        Optional<Instant> previous = scrub.previousStart();
        int share = share(scrub.total(), previous, started, config);
        long id = scrub.startRun(node, started, share);
        warnIfTooSlow(scrub.oldestBytes(share), previous.map(p -> Duration.between(p, started)).orElse(Duration.ofDays(1)));
        ScrubRun tally = new ScrubRun();
        tally.withOpenFindings = scrub.filesWithOpenFindings();
        String outcome = "done";
        ScrubRun.Figures f = null;
        try {
            // first the files that failed in the archive since the scrub last read them (verify found a bad copy):
            // one the scrub can mend returns; then the share, in batches, so a share of a large archive is never held
            // in memory; a file left unread (its ledger row changed while it was read) is not taken twice
            Set<UUID> taken = new HashSet<>();
            for (Item item : scrub.unreadErrors(Math.max(ERRORS_PER_RUN, share))) {
                if (taken.add(item.id()) && !(outcome = take(item, id, tally, () -> scrub.unreadError(item.id()))).equals("done")) {
                    break;
                }
            }
            for (int left = share; left > 0 && outcome.equals("done"); ) {
                List<Item> next = scrub.oldest(Math.min(batch, left), started).stream()
                        .filter(i -> taken.add(i.id())).toList();
                if (next.isEmpty()) {
                    break;
                }
                for (Item item : next) {
                    left--;
                    if (!(outcome = take(item, id, tally, () -> scrub.due(item.id(), started))).equals("done")) {
                        break;
                    }
                }
            }
        } catch (GuardClosedException e) {
            outcome = "paused";
            tally.note = e.getMessage();
            LOG.info("Scrub paused after {} of {} file(s): {} (the rest is read on a later run)", tally.files, share,
                    e.getMessage());
        } catch (IOException | RuntimeException e) {
            outcome = "failed";
            tally.note = e.getMessage();
            throw e;
        } finally {
            recordRead(tally);
            f = tally.figures(reader.bytesRead() - bytes0, (System.nanoTime() - t0) / 1e9);
            scrub.finishRun(id, clock.instant(), f, outcome, tally.note);
            LOG.info("Scrub run {} {}: {} of {} file(s), {} MB in {} s ({} MB/s), {} new finding(s), {} restored{}",
                    id, outcome, f.files(), share, String.format("%.1f", f.bytes() / (double) (1L << 20)),
                    String.format("%.1f", f.seconds()), String.format("%.1f", f.mbPerSecond()), f.findings(), f.restored(),
                    tally.unhashed == 0 ? "" : "; " + tally.unhashed + " compressed cop(ies) without a recorded sha256"
                            + " (compressed_sha256) checked for presence only");
        }
        return f;
    }

    /** Reads and mends one file under its claim, when it is still {@code due}; "paused" when the service stops. */
    private String take(Item item, long id, ScrubRun tally, BooleanSupplier due) throws IOException {
        if (stopping) {
            tally.note = "the service stopped";
            return "paused";
        }
        requireMounted();
        Optional<ScrubLedger.Claim> claim = scrub.claim(item.id());
        if (claim.isEmpty()) {
            LOG.info("Scrub: {} is being read by another node; skipped", item.id());
            return "done";
        }
        try (ScrubLedger.Claim held = claim.get()) {
            if (!due.getAsBoolean()) {
                return "done"; // another node read it since this run chose it
            }
            scrubOne(item, id, tally);
            recordRead(tally); // before the claim goes, so no other node reads it again
        }
        tally.files++;
        return "done";
    }

    /** How many files one query takes (tests use small batches). */
    Scrubber batch(int files) {
        this.batch = files;
        return this;
    }

    /** Ends a run that is under way after the file at hand (a run reads for hours; the service must not wait). */
    public void stop() {
        stopping = true;
    }

    private void recordRead(ScrubRun tally) {
        scrub.scrubbed(tally.read, clock.instant());
        tally.read.clear();
    }

    private void warnIfTooSlow(long bytes, Duration interval) {
        if (config.maxBytesPerSecond() > 0 && bytes / config.maxBytesPerSecond() > interval.toSeconds()) {
            LOG.warn("Scrub: this run's share ({} MB) takes about {} h at pipeline.scrub.max-mb-per-second={}, longer than"
                            + " the {} h between runs: the cycle of pipeline.scrub.cycle-days={} cannot be kept; raise one of them",
                    bytes >> 20, bytes / config.maxBytesPerSecond() / 3600, config.maxBytesPerSecond() >> 20,
                    interval.toHours(), config.cycleDays());
        }
    }

    /**
     * Why nothing may be read or written now: the guard is closed, or a root the scrub reads is not a directory (the
     * NAS not mounted: its files would all look lost, and a restore would write onto the bare mount point).
     */
    private Optional<String> paused() {
        Optional<String> why = guard.blocked();
        if (why.isPresent()) {
            return why;
        }
        return ROOTS.stream().map(r -> config.home().resolve(r)).filter(r -> !Files.isDirectory(r)).findFirst()
                .map(r -> r + " is not a directory (the NAS not mounted?)");
    }

    private void requireMounted() throws GuardClosedException {
        Optional<String> why = paused();
        if (why.isPresent()) {
            throw new GuardClosedException(why.get());
        }
    }

    private void scrubOne(Item item, long id, ScrubRun tally) throws IOException {
        InodeHashes hashes = new InodeHashes(p -> reader.hash(p).sha256());
        List<Copy> copies = new ArrayList<>();
        Object originalInode = null;
        for (String role : List.of("original", "archive", "compressed")) {
            String path = switch (role) {
                case "original" -> item.originalPath();
                case "archive" -> item.archivePath();
                default -> item.compressedPath();
            };
            if (path == null) {
                continue;
            }
            Copy c = check(item, role, Path.of(path), hashes, originalInode, tally);
            if (role.equals("original")) {
                originalInode = c.inode();
            }
            copies.add(c);
        }
        if (copies.stream().anyMatch(Copy::bad)) {
            requireMounted(); // the NAS going away under the read is not damage to report
            if (!scrub.current(item.id()).equals(Optional.of(item))) {
                // another stage moved or replaced a copy (a new compressed copy, a status change) while it was read
                LOG.info("Scrub: {} changed in the ledger while it was read; it is read again on a later run", item.id());
                return;
            }
            if (copies.stream().allMatch(c -> c.inode() == null && !Files.isDirectory(c.path().getParent()))) {
                // nothing of the file and not even its folders: storage that is not there, not damage
                throw new GuardClosedException("every copy of " + item.id() + " is gone with its folder ("
                        + copies.get(0).path().getParent() + "): the storage looks unmounted");
            }
        }
        boolean repaired = false;
        for (Copy c : copies) {
            if (c.bad()) {
                report(c.finding(), id, tally);
            } else if (tally.withOpenFindings.contains(item.id())) {
                repaired |= scrub.resolved(item.id(), c.path().toString());
            }
        }
        List<Copy> lost = copies.stream().filter(c -> c.bad() && !c.role().equals("compressed")
                || c.bad() && c.inode() != null && c.inode().equals(inodeOfBad(copies))).toList();
        if (!lost.isEmpty()) {
            repaired = mend(item, copies, lost, tally);
        }
        tally.read.add(item.id());
        if (repaired && copies.stream().allMatch(c -> !c.bad() || lost.contains(c))) {
            returnIfInError(item);
        }
    }

    /**
     * Every copy of the file hashes right now, and this run mended one: a file that failed for a bad copy (verify's
     * check, or the scrub's own) goes back to the status it failed in. A file in error the scrub did not mend stays.
     */
    private void returnIfInError(Item item) {
        scrub.returnFromError(item.id()).ifPresent(status -> {
            String message = "restored every copy of the file; back to " + status
                    + (status.equals("archived") ? " (verified again on the verify stage's next pass)" : "");
            LOG.info("Scrub: {} (sha256 {}) {}", item.id(), item.sha256().substring(0, 12), message);
            ledger.log(runId.getAsLong(), STAGE, "info", message, item.id(), item.originalPath());
        });
    }

    /** The inode of a bad original or archive copy (a compressed copy that is a link of it is damaged with it). */
    private static Object inodeOfBad(List<Copy> copies) {
        return copies.stream().filter(c -> c.bad() && !c.role().equals("compressed") && c.inode() != null)
                .map(Copy::inode).findFirst().orElse(null);
    }

    /** Restores the lost copies, or puts the file in error; true when they were restored. */
    private boolean mend(Item item, List<Copy> copies, List<Copy> lost, ScrubRun tally) throws IOException {
        String what = lost.stream().map(c -> c.role() + " " + c.path()).reduce((a, b) -> a + ", " + b).orElse("");
        if (!config.restore()) {
            fail(item, what + " damaged or missing; pipeline.scrub.restore is off");
            return false;
        }
        requireMounted();
        Path good = copies.stream().filter(c -> !c.bad() && !c.role().equals("compressed")).map(Copy::path)
                .findFirst().orElse(null);
        try {
            String from = restorer.restore(item, lost, good);
            tally.restored += lost.size();
            LOG.warn("Scrub restored {} of {} from {}", what, item.sha256().substring(0, 12), from);
            ledger.log(runId.getAsLong(), STAGE, "warn", "restored " + what + " from " + from, item.id(),
                    lost.get(0).path().toString());
            return true;
        } catch (Restorer.NotRestorable e) {
            fail(item, what + " damaged or missing and not restorable: " + e.getMessage());
            return false;
        }
    }

    /** The file goes to 'error', unless the storage went away meanwhile: that is a pause, not the file's fault. */
    private void fail(Item item, String reason) throws GuardClosedException {
        requireMounted();
        LOG.error("Scrub: {} (sha256 {}); the file is now in error and will not be cleaned", reason,
                item.sha256().substring(0, 12));
        ledger.markError(item.id(), STAGE, reason);
        ledger.log(runId.getAsLong(), STAGE, "error", reason, item.id(), item.originalPath());
    }

    private void report(Finding f, long id, ScrubRun tally) {
        if (!scrub.open(f, id)) {
            return; // reported on an earlier run and still open
        }
        tally.findings++;
        String message = "copy " + f.copy() + " " + f.kind() + ": " + f.path() + " (" + f.detail() + ")";
        LOG.warn("Scrub found {}", message);
        ledger.log(runId.getAsLong(), STAGE, "warn", message, f.mediaId(), f.path());
    }

    /** Reads one copy (its inode once per file) and says whether it is what the ledger says. */
    private Copy check(Item item, String role, Path path, InodeHashes hashes, Object originalInode, ScrubRun tally) {
        String expected = role.equals("compressed") ? item.compressedSha256() : item.sha256();
        InodeHashes.Seen seen;
        try {
            seen = hashes.look(path);
        } catch (IOException e) {
            seen = new InodeHashes.Seen(path, InodeHashes.Kind.MISSING, -1, null);
        }
        if (seen.kind() == InodeHashes.Kind.MISSING) {
            return new Copy(role, path, null, finding(item, role, path, "vanished", expected, null, "not there"));
        }
        if (!seen.regular()) {
            return new Copy(role, path, null, finding(item, role, path, "vanished", expected, seen.size(),
                    "not a regular file"));
        }
        Object inode = seen.inode();
        if (inode.equals(originalInode)) {
            expected = item.sha256(); // a link of the original (compressing did not pay) holds the original's bytes
        }
        if (expected == null) {
            // the verify stage records the compressed copy's hash; until it has, only its presence can be checked
            tally.unhashed++;
            return new Copy(role, path, inode, null);
        }
        String sha;
        try {
            sha = hashes.sha256(seen);
        } catch (IOException e) {
            return new Copy(role, path, inode, finding(item, role, path, "unreadable", expected, seen.size(),
                    String.valueOf(e.getMessage())));
        }
        if (!sha.equals(expected)) {
            return new Copy(role, path, inode, finding(item, role, path, "changed", expected, seen.size(),
                    "reads " + seen.size() + " bytes hashing to " + sha.substring(0, 12)).withFound(sha));
        }
        return new Copy(role, path, inode, null);
    }

    private static Finding finding(Item item, String role, Path path, String kind, String expected, Long foundSize,
                                   String detail) {
        return new Finding(item.id(), role, path.toString(), kind, expected, null,
                expected != null && expected.equals(item.sha256()) ? item.size() : null, foundSize, detail);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
