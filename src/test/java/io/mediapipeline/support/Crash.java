package io.mediapipeline.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ledger.Database;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.function.IntSupplier;

/**
 * kill -9 of the packaged jar at a moment chosen by its observed progress (the ledger read live, the process
 * table), and a record of where each kill landed: the ledger's counts just before the kill (the embedded server
 * dies with the JVM) and, read again after it, what the disk holds that the ledger does not know yet.
 */
public final class Crash {

    // generous: on a shared, loaded machine a JVM start alone has taken over a minute
    private static final Duration PATIENCE = Duration.ofMinutes(5);

    private Crash() {
    }

    /**
     * A moment to kill at: met when {@code when} holds on a count taken from the disk, then (in that order, so a
     * file counted on disk before its row was read is one the ledger had not recorded then) the ledger's counts
     * (at this run's first read, and now), and the running app. When {@code giveUp} holds first, the app is
     * killed there and the aim counts as missed (so a short window that was not caught does not let the run
     * finish the work later kills aim at).
     */
    public record Aim(String name, IntSupplier disk, When when, When giveUp) {
        public Aim(String name, IntSupplier disk, When when) {
            this(name, disk, when, (d, f, s, app) -> false);
        }

        /** An aim on the ledger and the process table only. */
        public static Aim of(String name, BiPredicate<LiveLedger.Stages, Process> when) {
            return new Aim(name, () -> 0, (disk, first, s, app) -> when.test(s, app));
        }

        /** An aim on what this run has done: the ledger at its first read and now. */
        public static Aim since(String name, BiPredicate<LiveLedger.Stages, LiveLedger.Stages> when) {
            return new Aim(name, () -> 0, (disk, first, s, app) -> when.test(first, s));
        }

        public Aim giveUpWhen(BiPredicate<LiveLedger.Stages, Process> late) {
            return new Aim(name, disk, when, (d, f, s, app) -> late.test(s, app));
        }
    }

    public interface When {
        boolean test(int disk, LiveLedger.Stages first, LiveLedger.Stages now, Process app);
    }

    /** Where one kill landed. {@code hit}: the aim was met at the kill (not a fallback on timeout or end). */
    public record Landing(int kill, String aim, boolean hit, long afterMillis, LiveLedger.Stages before,
                          List<String> encodes, Aftermath after) {
        /** An x265 encode was running when the kill came. */
        public boolean encoding() {
            return !encodes.isEmpty();
        }

        /** An encode with these arguments was running when the kill came ("-crf 24"). */
        public boolean encoding(String args) {
            return encodes.stream().anyMatch(c -> c.contains(args));
        }

        @Override
        public String toString() {
            return "kill " + kill + " aimed at '" + aim + "' " + (hit ? "hit" : "MISSED") + " after " + afterMillis
                    + " ms" + (encoding() ? ", during " + encodes.size() + " encode(s)" : "") + "\n    ledger just before: "
                    + (before == null ? "(not up)" : before) + "\n    after: " + after;
        }
    }

    /** The state after a kill: ledger counts, and files placed whose ledger row was not written yet. */
    public record Aftermath(LiveLedger.Stages stages, List<String> archivedWithoutRow, List<String> compressedWithoutRow,
                            List<String> stagedWithoutRow, List<String> handedOverWithoutRow) {
        @Override
        public String toString() {
            return stages + "; placed without their ledger row: sorted " + archivedWithoutRow.size()
                    + ", compressed " + compressedWithoutRow.size() + ", bridge " + stagedWithoutRow.size()
                    + ", iCloud hand-over " + handedOverWithoutRow.size();
        }
    }

    /** The packaged jar running `once` with this --config, output to log. */
    public static Process startOnce(Path config, Path log) throws IOException {
        return startOnce(config, log, Map.of());
    }

    public static Process startOnce(Path config, Path log, Map<String, String> env) throws IOException {
        return AppProcess.start("once", config, log, env);
    }

    /**
     * Waits until the aim is met (checking every few ms), then kills the app and reads where it landed. If the
     * run ends first, the aim gives up or patience runs out, it is killed anyway and the landing says MISSED.
     */
    public static Landing killWhen(int kill, Process app, PipelineHome pipeline, Aim aim) throws Exception {
        return killAtFirst(kill, app, pipeline, List.of(aim));
    }

    /** As {@link #killWhen}, at the first of several aims to be met (the earlier in the list wins a tie). */
    public static Landing killAtFirst(int kill, Process app, PipelineHome pipeline, List<Aim> aims) throws Exception {
        long start = System.nanoTime();
        long deadline = start + PATIENCE.toNanos();
        Aim met = null;
        List<String> encodes = List.of();
        LiveLedger.Stages first = null;
        LiveLedger.Stages before = null;
        try (LiveLedger ledger = new LiveLedger(pipeline.home())) {
            watch:
            while (app.isAlive() && System.nanoTime() < deadline) {
                int[] disk = aims.stream().mapToInt(a -> a.disk().getAsInt()).toArray();
                Optional<LiveLedger.Stages> s = ledger.stages();
                if (s.isPresent()) {
                    before = s.get();
                    first = first == null ? before : first;
                    for (int i = 0; i < aims.size(); i++) {
                        if (aims.get(i).when().test(disk[i], first, before, app)) {
                            met = app.isAlive() ? aims.get(i) : null;
                            break watch;
                        }
                        if (aims.get(i).giveUp().test(disk[i], first, before, app)) {
                            break watch;
                        }
                    }
                }
                Thread.sleep(5);
            }
            encodes = commandLines(app, "libx265");
            killHard(app);
        }
        String name = met != null ? met.name() : aims.size() == 1 ? aims.get(0).name()
                : "any of " + aims.stream().map(Aim::name).toList();
        Landing landing = new Landing(kill, name, met != null, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                before, encodes, inspect(pipeline));
        System.out.println(landing);
        return landing;
    }

    /** True while a process started by the app has the text in its command line (an encode: "libx265"). */
    public static boolean running(Process app, String text) {
        return !commandLines(app, text).isEmpty();
    }

    /**
     * Watches for tools whose command line holds one of the texts: true when one is there that was not at the last
     * look (it started within one poll), so a kill aimed at it lands while it runs, not as it ends. The first look
     * only takes note. One per app run.
     */
    public static BiPredicate<LiveLedger.Stages, Process> newlyStarted(String... texts) {
        Set<Long> seen = new HashSet<>();
        boolean[] looked = {false};
        return (st, app) -> {
            List<Long> now = app.descendants().filter(h -> {
                String line = h.info().commandLine().orElse("");
                return Arrays.stream(texts).anyMatch(line::contains);
            }).map(ProcessHandle::pid).toList();
            boolean fresh = looked[0] && now.stream().anyMatch(pid -> !seen.contains(pid));
            looked[0] = true;
            seen.addAll(now);
            return fresh;
        };
    }

    private static List<String> commandLines(Process app, String text) {
        return app.descendants().map(h -> h.info().commandLine().orElse("")).filter(c -> c.contains(text)).toList();
    }

    /**
     * kill -9 of the app (no shutdown hook runs); returns once it and every process it started are gone: the
     * embedded PostgreSQL and the tools follow it by pdeathsig, exiftool also ends with its pipes.
     */
    public static void killHard(Process app) throws Exception {
        List<ProcessHandle> tree = new ArrayList<>(app.descendants().toList());
        app.destroyForcibly();
        assertThat(app.waitFor(30, TimeUnit.SECONDS)).as("killed").isTrue();
        for (ProcessHandle h : tree) {
            h.onExit().get(15, TimeUnit.SECONDS);
        }
    }

    /** Reads the ledger of a stopped app and lists what sorted/, compressed/ and the bridge hold beyond it. */
    public static Aftermath inspect(PipelineHome pipeline) {
        Path home = pipeline.home();
        try (Database db = pipeline.openLedger()) {
            LiveLedger.Stages stages = LiveLedger.Stages.of(PipelineHome.query(db, LiveLedger.Stages.SQL).get(0));
            Set<String> archived = paths(db, "select archive_path as p from media_files where archive_path is not null");
            Set<String> compressed = paths(db, "select compressed_path as p from media_files where compressed_path is not null");
            Set<String> staged = paths(db, "select staged_path as p from deliveries where staged_path is not null");
            Set<String> handed = paths(db, "select account || '/' || relative_path as p from icloud_files");
            return new Aftermath(stages, beyond(home.resolve("sorted"), archived), beyond(home.resolve("compressed"), compressed),
                    beyond(home.resolve("bridge/pixel"), staged), linkedWithoutRow(home.resolve("icloud"), handed));
        }
    }

    private static Set<String> paths(Database db, String sql) {
        Set<String> out = new HashSet<>();
        PipelineHome.query(db, sql).forEach(r -> out.add((String) r.get("p")));
        return out;
    }

    /** icloudpd's files (icloud/ACCOUNT/...) with a second link (the hand-over's) but no icloud_files row. */
    private static List<String> linkedWithoutRow(Path icloud, Set<String> handed) {
        return PipelineHome.files(icloud).stream().filter(p -> !p.getFileName().toString().startsWith("."))
                .filter(p -> links(p) > 1).map(p -> icloud.relativize(p).toString()).filter(r -> !handed.contains(r)).toList();
    }

    /** How many of icloudpd's files (icloud/ACCOUNT/...) have been linked out by a hand-over. */
    public static int linkedOut(Path home) {
        return (int) PipelineHome.files(home.resolve("icloud")).stream().filter(p -> links(p) > 1).count();
    }

    private static int links(Path p) {
        try {
            return (Integer) java.nio.file.Files.getAttribute(p, "unix:nlink");
        } catch (java.nio.file.NoSuchFileException gone) {
            return 0; // a download's .part renamed (or a file moved on) between the listing and this look
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Files under dir (not dot-names: temp files and Syncthing's own) that the ledger does not name. */
    private static List<String> beyond(Path dir, Set<String> known) {
        return PipelineHome.files(dir).stream()
                .filter(p -> !dir.relativize(p).toString().startsWith(".") && !p.getFileName().toString().startsWith("."))
                .map(Path::toString).filter(p -> !known.contains(p)).toList();
    }
}
