package io.mediapipeline.support;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * The crash campaign's plan and record: which stage the next kill aims at (the required stage hit least so far,
 * a seeded random choice among ties, sometimes any stage), how much jitter it gets once its moment is observed, and
 * where each kill landed, judged from what was in progress when it came (the ledger's counts in the last moments
 * before the kill, the app's children, an upload held at the fixture) rather than from what it was aimed at.
 */
public final class KillPlan {

    /** The stages a kill can land in, in pipeline order. */
    public enum Stage {
        ICLOUD_DOWNLOAD("icloud download"), INGEST("ingest"), COMPRESS("compress"), PIXEL("pixel"),
        ICLOUD_UPLOAD("icloud upload"), VERIFY_CLEANUP("verify/cleanup");

        private final String label;

        Stage(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * The stages the campaign must land at least one kill in: every one (the iCloud hand-over too, which a campaign
     * could otherwise end without hitting once).
     */
    public static final List<Stage> REQUIRED = List.of(Stage.values());

    /**
     * What the ledger says each stage has done, at one moment (one statement). Each stage's progress is a count that
     * only grows while that stage works, so a difference between two snapshots says the stage was working between.
     */
    public record Snapshot(long at, int sourced, int media, int archived, int decided, int pixelStaged, int pixelConfirmed,
                           int uploadSent, int uploadConfirmed, int verified, int cleaned, int removals, int icloudRemoved,
                           int handedOver) {

        public static final String SQL = """
                select (select count(*) from source_files where disposition <> 'pending') as sourced,
                       (select count(*) from media_files) as media,
                       (select count(*) from media_files where status in ('archived', 'verified', 'cleaned')) as archived,
                       (select count(*) from media_files where compress_decision is not null) as decided,
                       (select count(*) from deliveries where target = 'pixel') as pixel_staged,
                       (select count(*) from deliveries where target = 'pixel' and state = 'confirmed') as pixel_confirmed,
                       (select count(*) from deliveries where target = 'icloud' and state in ('sent', 'registered',
                           'confirmed', 'unproven', 'failed')) as upload_sent,
                       (select count(*) from deliveries where target = 'icloud' and state = 'confirmed') as upload_confirmed,
                       (select count(*) from media_files where verified_at is not null) as verified,
                       (select count(*) from media_files where status = 'cleaned') as cleaned,
                       (select count(*) from local_removals) as removals,
                       (select count(*) from icloud_removals where state in ('removing', 'removed')) as icloud_removed,
                       (select count(*) from icloud_files) as handed_over""";

        /** The ledger now; empty while it is not up or not migrated yet (a column of a later migration missing). */
        public static java.util.Optional<Snapshot> read(LiveLedger ledger) {
            try {
                return ledger.rowsIfUp(SQL).map(r -> of(r.get(0)));
            } catch (IllegalStateException e) {
                if (e.getCause() instanceof java.sql.SQLException q && "42703".equals(q.getSQLState())) {
                    return java.util.Optional.empty();
                }
                throw e;
            }
        }

        public static Snapshot of(Map<String, Object> r) {
            return new Snapshot(System.nanoTime(), n(r, "sourced"), n(r, "media"), n(r, "archived"), n(r, "decided"),
                    n(r, "pixel_staged"), n(r, "pixel_confirmed"), n(r, "upload_sent"), n(r, "upload_confirmed"),
                    n(r, "verified"), n(r, "cleaned"), n(r, "removals"), n(r, "icloud_removed"), n(r, "handed_over"));
        }

        private static int n(Map<String, Object> r, String key) {
            return ((Number) r.get(key)).intValue();
        }

        /** A count of what the stage has done; grows only while it works. */
        public int progress(Stage stage) {
            return switch (stage) {
                case ICLOUD_DOWNLOAD -> handedOver;
                case INGEST -> sourced + media + archived;
                case COMPRESS -> decided;
                case PIXEL -> pixelStaged + pixelConfirmed;
                case ICLOUD_UPLOAD -> uploadSent + uploadConfirmed;
                case VERIFY_CLEANUP -> verified + cleaned + removals + icloudRemoved;
            };
        }

        @Override
        public String toString() {
            return "sourced " + sourced + ", media " + media + " (archived " + archived + "), compress decided " + decided
                    + ", pixel " + pixelStaged + " (confirmed " + pixelConfirmed + "), icloud upload " + uploadSent
                    + " (confirmed " + uploadConfirmed + "), verified " + verified + ", cleaned " + cleaned
                    + ", local removals " + removals + ", icloud removals " + icloudRemoved + ", handed over " + handedOver;
        }
    }

    /**
     * Where one kill landed: the stages at work when it came (empty: idle), the one it is counted for, the ledger
     * just before, and the children running.
     */
    public record Landing(int kill, boolean sigterm, Stage aimedAt, boolean hit, List<Stage> working, Stage counted,
                          long afterMillis, Snapshot before, List<String> children, String note) {

        public boolean idle() {
            return counted == null;
        }

        @Override
        public String toString() {
            return (sigterm ? "SIGTERM " : "kill -9 ") + kill + " aimed at " + aimedAt.label() + (hit ? " (hit)" : " (missed)")
                    + " after " + afterMillis + " ms: " + (idle() ? "IDLE" : "landed in " + counted.label())
                    + ", working " + working.stream().map(Stage::label).toList() + (children.isEmpty() ? "" : ", children "
                    + children) + (note.isEmpty() ? "" : ", " + note) + "\n    ledger just before: "
                    + (before == null ? "(not up)" : before);
        }
    }

    private final long seed;
    private final Random random;
    private final List<Landing> landings = new ArrayList<>();

    public KillPlan(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    /** The seed: -Dcampaign.seed when given (to replay a campaign), else the clock's. */
    public static long seedFromProperty() {
        String given = System.getProperty("campaign.seed");
        return given == null || given.isBlank() ? System.nanoTime() : Long.parseLong(given.strip());
    }

    public long seed() {
        return seed;
    }

    public Random random() {
        return random;
    }

    /** The next kill's target: a required stage hit least so far (random among ties), one time in five any stage. */
    public Stage nextTarget() {
        if (random.nextInt(5) == 0) {
            return Stage.values()[random.nextInt(Stage.values().length)];
        }
        Map<Stage, Long> hits = counts();
        long least = REQUIRED.stream().mapToLong(s -> hits.getOrDefault(s, 0L)).min().orElse(0);
        List<Stage> candidates = REQUIRED.stream().filter(s -> hits.getOrDefault(s, 0L) == least).toList();
        return candidates.get(random.nextInt(candidates.size()));
    }

    /**
     * The stages at work just before the kill: those whose progress grew since {@code earlier} (a snapshot taken a
     * moment before), plus an encode running and an upload held at the fixture (an icloudpd running is not work by
     * itself: it runs at every start, mostly to find nothing new). {@link #record} counts the kill for the aimed
     * stage when it is among them, else for the one among them with the fewest kills so far (the latest on a tie).
     */
    public static List<Stage> working(Snapshot earlier, Snapshot now, boolean encoding, boolean uploading) {
        List<Stage> out = new ArrayList<>();
        for (Stage s : Stage.values()) {
            boolean grew = earlier != null && now != null && now.progress(s) > earlier.progress(s);
            boolean child = (s == Stage.COMPRESS && encoding)
                    || (s == Stage.ICLOUD_UPLOAD && uploading);
            if (grew || child) {
                out.add(s);
            }
        }
        return out;
    }

    public Landing record(int kill, boolean sigterm, Stage aimedAt, boolean hit, List<Stage> working, long afterMillis,
                          Snapshot before, List<String> children, String note) {
        Map<Stage, Long> hits = counts();
        Stage counted = working.isEmpty() ? null : working.contains(aimedAt) ? aimedAt : working.stream()
                .min(java.util.Comparator.comparing((Stage s) -> hits.getOrDefault(s, 0L))
                        .thenComparing(java.util.Comparator.reverseOrder())).orElseThrow();
        Landing l = new Landing(kill, sigterm, aimedAt, hit, working, counted, afterMillis, before, children, note);
        landings.add(l);
        System.out.println(l);
        return l;
    }

    public List<Landing> landings() {
        return landings;
    }

    /** Non-idle kill -9 landings per stage. */
    public Map<Stage, Long> counts() {
        Map<Stage, Long> out = new EnumMap<>(Stage.class);
        landings.stream().filter(l -> !l.idle() && !l.sigterm()).forEach(l -> out.merge(l.counted(), 1L, Long::sum));
        return out;
    }

    public long nonIdleKills() {
        return landings.stream().filter(l -> !l.sigterm() && !l.idle()).count();
    }

    /** The campaign's aim: this many kill -9 landed in work, at least one in each required stage, and a SIGTERM. */
    public boolean goalReached(int kills) {
        Map<Stage, Long> c = counts();
        return nonIdleKills() >= kills && sigterms() > 0 && REQUIRED.stream().allMatch(s -> c.getOrDefault(s, 0L) > 0);
    }

    public long idleKills() {
        return landings.stream().filter(l -> !l.sigterm() && l.idle()).count();
    }

    public long kills() {
        return landings.stream().filter(l -> !l.sigterm()).count();
    }

    public long sigterms() {
        return landings.stream().filter(Landing::sigterm).count();
    }

    /** The table: per stage the kills (and SIGTERMs) that landed there, then idle ones. */
    public String table() {
        StringBuilder b = new StringBuilder(String.format("  %-16s %8s %8s%n", "stage", "kill -9", "SIGTERM"));
        for (Stage s : Stage.values()) {
            b.append(String.format("  %-16s %8d %8d%n", s.label(), count(s, false), count(s, true)));
        }
        b.append(String.format("  %-16s %8d %8d%n", "idle", idleKills(),
                landings.stream().filter(l -> l.sigterm() && l.idle()).count()));
        return b.toString();
    }

    private long count(Stage s, boolean sigterm) {
        return landings.stream().filter(l -> l.sigterm() == sigterm && s == l.counted()).count();
    }

    /** "ingest 5, compress 4, ..." for the closing line. */
    public String perStage() {
        Map<Stage, Long> c = counts();
        return Arrays.stream(Stage.values()).map(s -> s.label() + " " + c.getOrDefault(s, 0L))
                .collect(Collectors.joining(", "));
    }
}
