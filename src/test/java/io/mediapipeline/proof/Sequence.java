package io.mediapipeline.proof;

import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.GuardClosedException;
import io.mediapipeline.flow.TargetProof.State;
import io.mediapipeline.proof.Invariants.Allowed;
import io.mediapipeline.proof.Invariants.Snapshot;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;

/**
 * One random sequence of pipeline steps, repeatable from its seed: files arrive, targets prove or lose them, the
 * stages run their passes, the clock moves, bytes rot, the guard closes, the process restarts (or crashes in the
 * middle of a move to trash/). After every step the invariants are checked; the first violation ends the sequence.
 */
final class Sequence {

    /** The steps and how often each is picked. */
    enum Kind {
        ADD(14), PROVE(40), LOSE(4), VERIFY(14), CLEANUP(14), PURGE(6), MOVE_CLOCK(5), SCRUB(5), FLIP(4), DELETE(3),
        GUARD(4), PHONE_FOLDER(2), RESTART(4), CRASH_MID_TRASH(5);

        final int weight;

        Kind(int weight) {
            this.weight = weight;
        }
    }

    private final long seed;
    private final World w;
    private final Function<Map<String, String>, Settings> settingsOf;
    private final Function<Settings, Pipeline> starter;
    final List<String> steps = new ArrayList<>();
    private Random rnd;
    private Invariants inv;
    private Pipeline pipeline;
    private final Map<String, String> keys = new LinkedHashMap<>();
    private int n;
    private int retention;
    private boolean pastRetention;
    private Map<String, Long> seen;

    Sequence(long seed, World world, Function<Map<String, String>, Settings> settingsOf, Function<Settings, Pipeline> starter) {
        this.seed = seed;
        this.w = world;
        this.settingsOf = settingsOf;
        this.starter = starter;
    }

    /**
     * Runs the sequence; the violation, with the seed and the steps that led to it, if there is one. What the stages
     * did is added to {@code seen} (a property that never met a removal proves little).
     */
    Optional<String> run(Map<String, Long> seen) throws Exception {
        this.seen = seen;
        rnd = new Random(seed);
        boolean pixelOn = rnd.nextInt(4) > 0;
        boolean icloudOn = rnd.nextBoolean();
        boolean removalOn = icloudOn && rnd.nextInt(3) > 0;
        retention = 1 + rnd.nextInt(30);
        w.reset(rnd, pixelOn, icloudOn, removalOn);
        inv = new Invariants(w, retention);
        keys.put("pipeline.target.pixel.enabled", String.valueOf(pixelOn));
        keys.put("pipeline.target.icloud.removal.enabled", String.valueOf(removalOn));
        keys.put("pipeline.target.icloud.removal.dry-run", "false");
        keys.put("pipeline.cleanup.trash-retention-days", String.valueOf(retention));
        keys.put("pipeline.cleanup.dry-run", String.valueOf(rnd.nextInt(5) == 0));
        keys.put("pipeline.cleanup.bridge", String.valueOf(rnd.nextInt(3) > 0));
        keys.put("pipeline.cleanup.duplicates", String.valueOf(rnd.nextBoolean()));
        steps.add("settings: pixel " + pixelOn + ", icloud " + icloudOn + ", icloud removal " + removalOn + ", retention "
                + retention + " d, " + cleanupKnobs());
        pipeline = starter.apply(settingsOf.apply(keys));
        n = 20 + rnd.nextInt(21);
        for (int i = 0; i < n; i++) {
            Optional<String> failed = step(pick());
            if (failed.isPresent()) {
                return failed;
            }
        }
        // at the end the guard opens, often time passes the retention and the purge runs, and verify and scrub look
        // once more: every damage must then be known
        w.guard.open();
        List<Kind> last = new ArrayList<>(List.of(Kind.VERIFY, Kind.SCRUB));
        if (rnd.nextBoolean()) {
            last.addAll(0, List.of(Kind.CLEANUP, Kind.MOVE_CLOCK, Kind.PURGE));
            pastRetention = true;
        }
        for (Kind k : last) {
            Optional<String> failed = step(k);
            if (failed.isPresent()) {
                return failed;
            }
        }
        List<String> unreported = inv.damageReported();
        tally();
        return unreported.isEmpty() ? Optional.empty() : Optional.of(failure(unreported));
    }

    private void tally() {
        count("media_files -> ", "select to_state as k, count(*) as n from file_events where entity = 'media_file'"
                + " and from_state is not null group by 1");
        if (w.schema.has("local_removals")) {
            count("removals ", "select kind || ' ' || state as k, count(*) as n from local_removals group by 1");
            count("", "select 'interrupted moves settled at startup: ' || to_state as k, count(*) as n from file_events"
                    + " where entity = 'removal' and from_state = 'trashing' and (to_state <> 'trashed'"
                    + " or detail like '%restart%') group by 1");
        }
        if (w.schema.has("scrub_findings")) {
            count("scrub findings ", "select kind || ' ' || state as k, count(*) as n from scrub_findings group by 1");
        }
        seen.merge("icloud originals removed", (long) w.removal.removedCount(), Long::sum);
    }

    private void count(String prefix, String sql) {
        for (Map<String, Object> r : w.ledger.rows(sql)) {
            seen.merge(prefix + r.get("k"), ((Number) r.get("n")).longValue(), Long::sum);
        }
    }

    private Kind pick() {
        if (w.guard.closed() && rnd.nextInt(3) == 0) {
            return Kind.GUARD; // the NAS comes back after a few steps
        }
        int total = 0;
        for (Kind k : Kind.values()) {
            total += k.weight;
        }
        int r = rnd.nextInt(total);
        for (Kind k : Kind.values()) {
            r -= k.weight;
            if (r < 0) {
                return k;
            }
        }
        throw new IllegalStateException();
    }

    private Optional<String> step(Kind kind) throws Exception {
        Snapshot before = inv.take(kind == Kind.CLEANUP && bool("pipeline.cleanup.dry-run"));
        Allowed allowed;
        String what;
        List<String> thrown = new ArrayList<>();
        try {
            switch (kind) {
                case VERIFY -> {
                    what = "verify pass";
                    allowed = new Allowed(true, true, false, false, false, false, false, false);
                    pass(pipeline::verify, thrown);
                }
                case CLEANUP -> {
                    what = "cleanup pass";
                    boolean restarted = false;
                    if (rnd.nextInt(4) == 0) {
                        keys.put("pipeline.cleanup.dry-run", String.valueOf(rnd.nextInt(4) == 0));
                        keys.put("pipeline.cleanup.bridge", String.valueOf(rnd.nextBoolean()));
                        keys.put("pipeline.cleanup.duplicates", String.valueOf(rnd.nextBoolean()));
                        what = "restart with " + cleanupKnobs() + ", then a cleanup pass";
                        pipeline = starter.apply(settingsOf.apply(keys));
                        restarted = true;
                    }
                    allowed = new Allowed(true, false, true, bool("pipeline.cleanup.dry-run"),
                            bool("pipeline.cleanup.bridge"), bool("pipeline.cleanup.duplicates"), false, restarted);
                    pass(pipeline::cleanup, thrown);
                }
                case PURGE -> {
                    what = "purge";
                    allowed = new Allowed(true, false, false, false, false, false, true, false);
                    pass(pipeline::purge, thrown);
                }
                case SCRUB -> {
                    what = "scrub run";
                    allowed = new Allowed(true, false, false, false, false, false, false, false);
                    pass(pipeline::scrub, thrown);
                }
                case RESTART -> {
                    what = "restart (new beans, startup recovery)";
                    allowed = new Allowed(true, false, false, false, false, false, false, true);
                    pipeline = starter.apply(settingsOf.apply(keys));
                }
                case CRASH_MID_TRASH -> {
                    what = crashMidTrash();
                    allowed = new Allowed(false, false, true, false, true, false, false, true);
                }
                default -> {
                    what = worldStep(kind);
                    allowed = Allowed.NOTHING;
                }
            }
        } catch (Exception | AssertionError e) {
            what = kind + " threw";
            allowed = Allowed.NOTHING;
            thrown.add(trace(e));
        }
        steps.add(what);
        Snapshot after = inv.take(false);
        List<String> v = new ArrayList<>(thrown);
        // sorted: the stages' own order (by random ids) must not make a replay read differently
        v.addAll(inv.check(before, after, allowed).stream().sorted().toList());
        return v.isEmpty() ? Optional.empty() : Optional.of(failure(v));
    }

    interface Work {
        void run() throws Exception;
    }

    /** A pass; the guard's refusal is a pause, anything else thrown is a defect the sequence reports. */
    private void pass(Work work, List<String> thrown) {
        try {
            work.run();
        } catch (GuardClosedException e) {
            if (!w.guard.closed()) {
                thrown.add("refused by a closed guard while it is open: " + e.getMessage());
            }
        } catch (Exception | AssertionError e) {
            thrown.add("the pass threw: " + trace(e));
        }
    }

    private String worldStep(Kind kind) throws Exception {
        List<World.Item> items = w.items;
        switch (kind) {
            case ADD -> {
                if (items.size() >= 12 || steps.size() > n / 2) {
                    return "add: enough files (the rest of the sequence lets them through)";
                }
                return "add " + w.add(1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 4 : 2));
            }
            case PROVE, LOSE -> {
                List<FakeTarget> on = new ArrayList<>();
                if (w.pixel.enabled()) {
                    on.add(w.pixel);
                }
                if (w.icloud.enabled()) {
                    on.add(w.icloud);
                }
                if (items.isEmpty() || on.isEmpty()) {
                    return kind + ": nothing to do";
                }
                FakeTarget t = on.get(rnd.nextInt(on.size()));
                State from = kind == Kind.PROVE ? State.WAITING : State.PROVEN;
                List<World.Item> some = items.stream().filter(i -> t.truth(i.id) == from).toList();
                if (some.isEmpty()) {
                    return kind + " " + t.target() + ": nothing to do";
                }
                World.Item item = some.get(rnd.nextInt(some.size()));
                // a target loses a file for good, or cannot be asked for a while (the phone offline)
                State next = kind == Kind.PROVE ? State.PROVEN : rnd.nextBoolean() ? State.MISSING : State.WAITING;
                // the phone receives a batch at a time; iCloud proves a few uploads per look
                List<World.Item> these = kind == Kind.LOSE ? List.of(item) : t == w.pixel
                        ? some.stream().filter(i -> i.batch.equals(item.batch)).toList()
                        : some.subList(0, Math.min(some.size(), 1 + rnd.nextInt(4)));
                for (World.Item i : these) {
                    w.target(i, t, next);
                }
                return t.target() + " " + from + " -> " + next + " for " + these
                        + (t == w.pixel && next == State.MISSING ? " (deleted on the phone)" : "")
                        + (next == State.WAITING && kind == Kind.LOSE ? " (cannot be asked now)" : "");
            }
            case MOVE_CLOCK -> {
                // half the moves stay within the retention, half pass it
                int days = !pastRetention && rnd.nextBoolean() ? 1 + rnd.nextInt(retention) : retention + rnd.nextInt(5);
                if (!w.schema.has("local_removals")) {
                    return "move the clock: no trash yet";
                }
                w.ledger.rows("update local_removals set purge_after = purge_after - make_interval(days => ?)"
                        + " where purge_after is not null returning id", days);
                inv.clockMoved(Duration.ofDays(days));
                return "move the clock " + days + " d";
            }
            case FLIP, DELETE -> {
                if (items.isEmpty()) {
                    return kind + ": no files";
                }
                World.Item item = items.get(rnd.nextInt(items.size()));
                List<Path> places = World.allPlaces(item);
                if (kind == Kind.DELETE) {
                    places.remove(item.compressed);
                    if (rnd.nextInt(3) > 0) {
                        places.remove(item.original); // an original vanishing is rarer than a copy
                    }
                }
                Path place = places.get(rnd.nextInt(places.size()));
                return kind == Kind.FLIP ? w.flipByte(item, place) : w.delete(item, place);
            }
            case GUARD -> {
                if (w.guard.closed()) {
                    w.guard.open();
                    return "guard opens";
                }
                w.guard.close("the NAS marker is missing (test)");
                return "guard closes";
            }
            case PHONE_FOLDER -> {
                if (w.pixel.copiesMayGo()) {
                    w.pixel.copiesMustStay("the phone's folder does not ignore deletes (test)");
                    return "phone folder stops ignoring deletes";
                }
                w.pixel.copiesMustStay(null);
                return "phone folder ignores deletes";
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    /**
     * A cleanup pass killed in the middle of moving a bridge copy to trash/: the intent row is committed and the file
     * is at its place, at both, or in trash/ only; then the process starts again and its recovery settles the row.
     * Only a copy the cleanup would really remove now is chosen; none, and the step is a plain restart.
     */
    private String crashMidTrash() throws Exception {
        if (!w.schema.has("local_removals") || !bool("pipeline.cleanup.bridge") || !w.pixel.copiesMayGo()
                || bool("pipeline.cleanup.dry-run") || w.guard.closed()) {
            pipeline = starter.apply(settingsOf.apply(keys));
            return "restart (no bridge copy may go now)";
        }
        Map<String, String> status = new LinkedHashMap<>();
        for (Map<String, Object> r : w.ledger.rows("select id::text as id, status from media_files")) {
            status.put((String) r.get("id"), (String) r.get("status"));
        }
        List<World.Item> candidates = w.items.stream().filter(i -> i.bridge != null && Files.isRegularFile(i.bridge))
                .filter(i -> w.items.stream().filter(m -> m.batch.equals(i.batch))
                        .allMatch(m -> List.of("verified", "cleaned").contains(status.get(m.id.toString()))))
                .filter(i -> List.of(w.pixel, w.icloud).stream().noneMatch(t -> t.enabled() && t.answered(i.id) != State.PROVEN))
                .filter(i -> Files.isRegularFile(i.sorted))
                .filter(i -> !Files.exists(w.home.resolve("trash").resolve(w.rel(i.bridge))))
                .filter(i -> w.ledger.rows("select 1 from local_removals where path = ? and state in ('trashing', 'trashed',"
                        + " 'purged')", w.rel(i.bridge)).isEmpty())
                .toList();
        if (candidates.isEmpty()) {
            pipeline = starter.apply(settingsOf.apply(keys));
            return "restart (no bridge copy may go now)";
        }
        World.Item item = candidates.get(rnd.nextInt(candidates.size()));
        Path trash = w.home.resolve("trash").resolve(w.rel(item.bridge));
        w.ledger.rows("""
                insert into local_removals (media_file_id, kind, path, trash_path, size, sha256, state, proof)
                values (?, 'bridge', ?, ?, ?, ?, 'trashing', '{"test": "crash"}'::jsonb) returning id""",
                item.id, w.rel(item.bridge), w.rel(trash), Files.size(item.bridge), item.sha);
        int where = rnd.nextInt(3);
        if (where > 0) {
            Files.createDirectories(trash.getParent());
            Files.createLink(trash, item.bridge);
            if (where == 2) {
                Files.delete(item.bridge);
            }
        }
        pipeline = starter.apply(settingsOf.apply(keys));
        return "crash while moving " + w.rel(item.bridge) + " to trash (" + List.of("before the link", "after the link",
                "after the old name went").get(where) + "), restart";
    }

    private String cleanupKnobs() {
        return "cleanup dry-run " + keys.get("pipeline.cleanup.dry-run") + ", bridge " + keys.get("pipeline.cleanup.bridge")
                + ", duplicates " + keys.get("pipeline.cleanup.duplicates");
    }

    private boolean bool(String key) {
        return Boolean.parseBoolean(keys.get(key));
    }

    private String failure(List<String> violations) {
        StringBuilder b = new StringBuilder("seed ").append(seed).append(" (replay: -Dproof.seed=").append(seed)
                .append(") failed after step ").append(steps.size() - 1).append(":\n");
        violations.forEach(v -> b.append("  ! ").append(v).append('\n'));
        b.append("steps:\n");
        for (int i = 0; i < steps.size(); i++) {
            b.append(String.format("  %2d %s%n", i, steps.get(i)));
        }
        return b.toString();
    }

    private static String trace(Throwable e) {
        StringWriter s = new StringWriter();
        e.printStackTrace(new PrintWriter(s));
        String[] lines = s.toString().split("\n");
        return String.join("\n      ", java.util.Arrays.copyOf(lines, Math.min(lines.length, 12)));
    }
}
