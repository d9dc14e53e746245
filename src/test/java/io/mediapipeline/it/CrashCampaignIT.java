package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.sha;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.demo.LoopbackPair;
import io.mediapipeline.demo.SampleLibrary;
import io.mediapipeline.fixture.IcloudFixture;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.AppProcess;
import io.mediapipeline.support.CampaignInvariants;
import io.mediapipeline.support.Crash;
import io.mediapipeline.support.IcloudStandIn;
import io.mediapipeline.support.KillPlan;
import io.mediapipeline.support.KillPlan.Snapshot;
import io.mediapipeline.support.KillPlan.Stage;
import io.mediapipeline.support.LiveLedger;
import io.mediapipeline.support.LivePhotoFiles;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.QuickCleanup;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash campaign: every stage on (the iCloud source through the stand-in icloudpd, the folder source, ingest with
 * exact and near-duplicate detection, organize, compress, Pixel delivery through a real loopback Syncthing pair,
 * iCloud upload and removal of the originals against the fixture, verify and cleanup) over a mixed corpus fed in
 * waves, while the packaged jar in `once` mode is killed with kill -9 again and again (and now and then stopped with
 * SIGTERM), each kill aimed by observed progress at a stage hit least so far and jittered by a seeded random, then
 * restarted. It stops by itself once 20 kills landed in work (each required stage hit, a SIGTERM given) or at the
 * latest after a wall-time budget, runs to the end, and the invariant checker compares the
 * ledger with the disk, the phone and the fixture library. Replay a campaign with -Dcampaign.seed=N; change its
 * kill phase with -Dcampaign.seconds=S.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class CrashCampaignIT {

    private static final String USER = "campaign@example.com";
    private static final String PASSWORD = "Campaign-Pa55-w0rd";
    private static final DateTimeFormatter EXIF = DateTimeFormatter.ofPattern("yyyy:MM:dd HH:mm:ss");
    /** A run that meets no aim is stopped after this, wherever it is (a `once` waiting for the phone, say). */
    private static final long RUN_CEILING_MS = 25_000;
    /** One before each run: each wave's work gives a kill or two, so 20 kills need about this many. */
    private static final int WAVES = 20;
    /** This long after the first work seen, a run whose aimed stage has none is killed in whatever stage is working. */
    private static final long AIM_PATIENCE_MS = 4_000;

    @TempDir
    Path tmp;

    private final Set<String> good = new HashSet<>();
    private final Set<String> fromIcloud = new HashSet<>();
    private final List<String> goodInputs = new ArrayList<>();
    private final Set<String> badSamples = new HashSet<>();
    private int bad;

    /** What a run is killed at: progress of a stage beyond its first sign by {@code steps}, or a gap on disk. */
    private record Aim(Stage stage, int steps, boolean gap) {
    }

    /** One wave of inputs: folder files and iCloud files made ahead, moved in whole when the wave comes. */
    private record Wave(Path folder, Path icloud) {
    }

    @Test
    void everyStageKilledAgainAndAgainEndsWithEverythingOnceAndProven() throws Exception {
        long wallStart = System.nanoTime();
        KillPlan plan = new KillPlan(KillPlan.seedFromProperty());
        long budgetSeconds = Long.getLong("campaign.seconds", 450);
        System.out.println("CrashCampaignIT seed " + plan.seed() + " (replay: -Dcampaign.seed=" + plan.seed()
                + "), kill phase until 20 kills landed in work, at most " + budgetSeconds + " s");

        PipelineHome p = new PipelineHome(tmp.resolve("p"));
        Path home = p.home();
        IcloudStandIn standIn = new IcloudStandIn(tmp.resolve("icloud"));
        Path fakeLibrary = standIn.user(USER).resolve("library");
        List<Wave> waves = makeWaves(p.library().getParent().resolve("waves"));
        String nearOriginal = sha(waves.get(0).folder().resolve("w0/near/NEAR_FULL.jpg"));
        String nearCopy = sha(waves.get(0).folder().resolve("w0/near/NEAR_SMALL.jpg"));

        try (LoopbackPair pair = LoopbackPair.start(tmp.resolve("st"), home.resolve("bridge/pixel"));
             IcloudFixture fixture = new IcloudFixture()) {
            pair.pipelineSettings().forEach(p::set);
            settings(p, pair, fixture, standIn);
            fixture.writeSession(home.resolve("state/icloud-cookies/default"), USER);
            Path config = p.config();
            Map<String, String> env = Map.of("FAKE_ICLOUD", standIn.root().toString(),
                    "PIPELINE_SOURCE_ICLOUD_PASSWORD", PASSWORD);

            // an upload the campaign aims at is held at the fixture (putAsset created the asset, the answer not sent)
            // until the app is killed, or for 5 s
            AtomicBoolean holdUploads = new AtomicBoolean();
            AtomicBoolean uploadHeld = new AtomicBoolean();
            AtomicReference<Process> running = new AtomicReference<>();
            fixture.faults().onPutAsset(asset -> {
                if (!holdUploads.get()) {
                    return;
                }
                uploadHeld.set(true);
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (running.get() != null && running.get().isAlive() && System.nanoTime() < until) {
                    sleep(5);
                }
                uploadHeld.set(false);
            });

            int nextWave = 0;
            moveIn(waves.get(nextWave++), p, fakeLibrary, fixture);
            // until 20 kills landed in work, in every required stage, and a SIGTERM too (on this machine about 20 to 30
            // runs), but never past the budget: the campaign stops by itself
            long ceiling = System.nanoTime() + TimeUnit.SECONDS.toNanos(budgetSeconds);
            int runs = 0;
            int ranToEnd = 0;
            int idleInARow = 0;
            while (!plan.goalReached(20) && System.nanoTime() < ceiling) {
                runs++;
                Stage target = plan.nextTarget();
                // a wave comes in before every run while there are waves left: each run has work to be killed in
                if (nextWave < waves.size()) {
                    moveIn(waves.get(nextWave++), p, fakeLibrary, fixture);
                }
                // every sixth run (three in all) is stopped with SIGTERM, at a moment aimed as for a kill
                boolean sigterm = runs % 6 == 3 && plan.sigterms() < 3;
                // most waves bring one iCloud photo: a download aim waits for the first hand-over of its run
                int steps = target == Stage.ICLOUD_DOWNLOAD ? 0 : plan.random().nextInt(2);
                long jitter = plan.random().nextInt(150);
                holdUploads.set(target == Stage.ICLOUD_UPLOAD);
                Process app = AppProcess.start("once", config, tmp.resolve("run" + runs + ".log"), env);
                running.set(app);
                // half the ingest aims, and half the download aims once a download kill has landed, are at the gap
                // between a file placed on disk and its ledger row (a few milliseconds: such an aim mostly falls back
                // to any work, and the download stage is required while its work comes only with the waves)
                boolean gapAllowed = target == Stage.INGEST
                        || (target == Stage.ICLOUD_DOWNLOAD && plan.counts().getOrDefault(Stage.ICLOUD_DOWNLOAD, 0L) > 0);
                boolean gap = gapAllowed && plan.random().nextBoolean();
                if (!aimAndStop(plan, runs, app, p, new Aim(target, steps, gap), jitter, sigterm, uploadHeld, standIn)) {
                    ranToEnd++;
                    idleInARow++;
                } else {
                    idleInARow = 0;
                }
                if (nextWave == waves.size() && idleInARow >= 3) {
                    // no wave left and three runs in a row found nothing to do: more runs would not meet the goal
                    break;
                }
            }
            holdUploads.set(false);
            while (nextWave < waves.size()) {
                moveIn(waves.get(nextWave++), p, fakeLibrary, fixture);
            }
            long killPhaseSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - wallStart);

            // to the end: a run that does all the work, then (the holds passed) runs that verify and clean
            long finalStart = System.nanoTime();
            int finalRuns = runToTheEnd(p, config, env, running);
            long finalSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - finalStart);

            System.out.println("CrashCampaignIT kills (where each landed):\n" + plan.table());
            String checked = CampaignInvariants.check(p, pair.phoneFolder(), fixture.library(USER),
                    new CampaignInvariants.Expected(good, fromIcloud, goodInputs.size() - good.size(), bad,
                            nearOriginal, nearCopy));
            long wall = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - wallStart);
            System.out.printf("CrashCampaignIT summary: seed %d; faults injected: %d kill -9 (%d non-idle, %d idle), %d SIGTERM,"
                            + " %d run(s) ended by themselves; kills per stage: %s; invariants checked: %s; wall time %d s"
                            + " (kill phase and set-up %d s, %d final run(s) %d s)%n",
                    plan.seed(), plan.kills(), plan.nonIdleKills(), plan.idleKills(), plan.sigterms(), ranToEnd,
                    plan.perStage(), checked, wall, killPhaseSeconds, finalRuns, finalSeconds);

            assertThat(plan.nonIdleKills()).as("at least 20 kill -9 landed in work").isGreaterThanOrEqualTo(20);
            Map<Stage, Long> perStage = plan.counts();
            for (Stage s : KillPlan.REQUIRED) {
                assertThat(perStage.getOrDefault(s, 0L)).as("kills landed in " + s.label()).isPositive();
            }
            assertThat(plan.sigterms()).as("SIGTERMs").isPositive();
        }
    }

    /**
     * Watches the run until its aimed moment (or, past the patience, any stage at work) and kills it there (or
     * stops it with SIGTERM). False when the run ended by itself first.
     */
    private boolean aimAndStop(KillPlan plan, int run, Process app, PipelineHome p, Aim aim, long jitter,
                               boolean sigterm, AtomicBoolean uploadHeld, IcloudStandIn standIn) throws Exception {
        Stage target = aim.stage();
        int steps = aim.steps();
        long start = System.nanoTime();
        Snapshot first = null;
        Snapshot last = null;
        Deque<Snapshot> recent = new ArrayDeque<>();
        boolean hit = false;
        boolean clockMoved = false;
        long upAfter = -1;
        long workSince = -1;
        List<String> children = List.of();
        String standInPath = standIn.binary().toString();
        try (LiveLedger ledger = new LiveLedger(p.home())) {
            while (app.isAlive()) {
                long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                // the disk first, then the ledger: a file counted on disk before its row was read is one the ledger
                // had not recorded then
                int onDisk = !aim.gap() ? 0 : target == Stage.INGEST ? PipelineHome.files(p.sorted()).size()
                        : Crash.linkedOut(p.home());
                Optional<Snapshot> s = Snapshot.read(ledger);
                children = app.descendants().map(h -> h.info().commandLine().orElse("")).filter(c -> !c.isEmpty())
                        .filter(c -> c.contains("ffmpeg") || c.contains(standInPath)).toList();
                boolean encoding = children.stream().anyMatch(c -> c.contains("libx265") || c.contains("mjpeg"));
                if (s.isPresent()) {
                    last = s.get();
                    if (first == null) {
                        first = last;
                        upAfter = elapsed;
                    }
                    recent.addLast(last);
                    while (recent.size() > 1 && last.at() - recent.peekFirst().at() > TimeUnit.MILLISECONDS.toNanos(1500)) {
                        recent.removeFirst();
                    }
                    if (target == Stage.VERIFY_CLEANUP && !clockMoved) {
                        // a file looked at before its hold passed is looked at again in a minute: the test moves the
                        // clock there, as VerifyCleanupIT does
                        clockMoved = ledger.rowsIfUp("update media_files set verify_after = null where status = 'archived'"
                                + " and verify_after is not null returning id").isPresent();
                    }
                    boolean aimed = switch (target) {
                        case ICLOUD_DOWNLOAD -> aim.gap() ? onDisk > last.handedOver()
                                : last.progress(target) > first.progress(target) + steps;
                        case INGEST -> aim.gap() ? onDisk > last.archived() : last.progress(target) > first.progress(target) + steps;
                        case COMPRESS -> encoding || last.progress(target) > first.progress(target) + steps;
                        case ICLOUD_UPLOAD -> uploadHeld.get() || last.progress(target) > first.progress(target) + steps;
                        default -> last.progress(target) > first.progress(target) + steps;
                    };
                    boolean anyWork = !KillPlan.working(recent.peekFirst(), last, encoding, uploadHeld.get()).isEmpty();
                    if (anyWork && workSince < 0) {
                        workSince = elapsed;
                    }
                    // the start takes seconds (more on a loaded machine): patience counts from the first work seen
                    if (aimed || (anyWork && elapsed - workSince > AIM_PATIENCE_MS)) {
                        hit = aimed;
                        break;
                    }
                }
                if (elapsed > RUN_CEILING_MS) {
                    break;
                }
                sleep(15);
            }
            if (!app.isAlive()) {
                System.out.println("run " + run + " (aimed at " + target.label() + ") ended by itself, exit " + app.exitValue()
                        + "; ledger: " + last);
                return false;
            }
            if (hit) {
                sleep(jitter);
            }
        }
        boolean encoding = children.stream().anyMatch(c -> c.contains("libx265") || c.contains("mjpeg"));
        boolean held = uploadHeld.get();
        List<Stage> working = new ArrayList<>(KillPlan.working(recent.peekFirst(), last, encoding, held));
        if (hit && aim.gap() && !working.contains(target)) {
            working.add(0, target); // the disk showed the stage's file placed and its row not written
        }
        long after = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        String note = "ledger up after " + upAfter + " ms";
        if (sigterm) {
            app.destroy();
            assertThat(app.waitFor(30, TimeUnit.SECONDS)).as("SIGTERM: stopped within 30 s").isTrue();
            assertThat(app.exitValue()).as("SIGTERM: exit; log " + tmp.resolve("run" + run + ".log")).isIn(0, 143);
            note += ", exit " + app.exitValue();
        } else {
            Crash.killHard(app);
        }
        if (hit && aim.gap() && !sigterm) {
            note += ", in the gap between a file on disk and its row; after the kill: " + Crash.inspect(p);
        }
        plan.record(run, sigterm, target, hit, working, after, last, children.stream().map(CrashCampaignIT::shortly).toList(),
                note + (held ? ", an upload held at putAsset" : ""));
        return true;
    }

    /**
     * Runs `once` until every file is verified or cleaned (each time moving the clock past the recheck, after the
     * Pixel holds have passed), at most four runs. Returns how many it took.
     */
    private int runToTheEnd(PipelineHome p, Path config, Map<String, String> env, AtomicReference<Process> running)
            throws Exception {
        List<Map<String, Object>> previous = null;
        for (int i = 1; ; i++) {
            Process app = AppProcess.start("once", config, tmp.resolve("final" + i + ".log"), env);
            running.set(app);
            assertThat(app.waitFor(400, TimeUnit.SECONDS)).as("final run " + i + " finished").isTrue();
            String log = Files.readString(tmp.resolve("final" + i + ".log"));
            assertThat(app.exitValue()).as("final run " + i + " exit; log:\n" + log).isIn(0, 3);
            try (Database db = p.openLedger()) {
                List<Map<String, Object>> open = PipelineHome.query(db,
                        "select status, count(*) as n from media_files group by status order by status");
                System.out.println("CrashCampaignIT final run " + i + ": exit " + app.exitValue() + ", files by status " + open);
                boolean settled = open.stream().allMatch(r -> Set.of("verified", "cleaned").contains(r.get("status")))
                        && (open.equals(previous) || open.stream().noneMatch(r -> "verified".equals(r.get("status"))));
                if (settled || i == 4) {
                    PipelineHome.query(db, """
                            select m.original_name, r.kind, r.state, r.reason from media_files m
                              join local_removals r on r.media_file_id = m.id where m.status = 'verified'
                            union all select m.original_name, 'icloud', r.state, r.reason from media_files m
                              join icloud_removals r on r.media_file_id = m.id where m.status = 'verified'""")
                            .forEach(r -> System.out.println("  verified, not cleaned: " + r));
                    PipelineHome.query(db, """
                            select m.original_name, m.live_pair_id is not null as live, d.state, d.staged_path,
                                   d.delivered_as, b.status as batch,
                                   (select string_agg(m2.status || ' ' || m2.original_name, ', ') from deliveries d2
                                      join media_files m2 on m2.id = d2.media_file_id where d2.batch_id = d.batch_id) as batch_files
                              from media_files m left join deliveries d on d.media_file_id = m.id and d.target = 'pixel'
                              left join batches b on b.id = d.batch_id where m.status = 'verified'""")
                            .forEach(r -> System.out.println("  verified, not cleaned: " + r));
                    return i;
                }
                previous = open;
                Optional<Timestamp> hold = PipelineHome.query(db, "select max(hold_until) as t from deliveries").stream()
                        .map(r -> (Timestamp) r.get("t")).filter(t -> t != null).findFirst();
                PipelineHome.query(db, "update media_files set verify_after = null where verify_after is not null returning id");
                long wait = hold.map(t -> t.getTime() - System.currentTimeMillis() + 500).orElse(0L);
                if (wait > 0) {
                    Thread.sleep(wait);
                }
            }
        }
    }

    private static void settings(PipelineHome p, LoopbackPair pair, IcloudFixture fixture, IcloudStandIn standIn)
            throws Exception {
        QuickCleanup.on(p, pair);
        p.set("pipeline.timezone", "UTC")
                .set("pipeline.source.inbox.poll-seconds", "1")
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.compress.video.preset", "ultrafast")
                .set("pipeline.compress.parallelism", "1")
                .set("pipeline.target.pixel.phone.url", pair.phone().url())
                .set("pipeline.target.pixel.phone.api-key", pair.phone().apiKey())
                .set("pipeline.target.pixel.hold-days", "0.00005") // about 4 s
                .set("pipeline.target.pixel.confirm-poll-ms", "200")
                .set("pipeline.target.pixel.confirm-max-backoff-seconds", "1")
                .set("pipeline.target.pixel.once-wait-seconds", "30")
                .set("pipeline.target.pixel.batch.max-files", "4")
                .set("pipeline.target.pixel.live-pair-wait-seconds", "3")
                .set("pipeline.source.icloud.enabled", "true")
                .set("pipeline.source.icloud.username", USER)
                .set("pipeline.source.icloud.binary", standIn.binary().toString())
                .set("pipeline.source.icloud.max-attempts-per-hour", "1000")
                .set("pipeline.target.icloud.enabled", "true")
                .set("pipeline.target.icloud.setup-url", fixture.setupUrl().toString())
                .set("pipeline.target.icloud.poll-seconds", "1")
                .set("pipeline.target.icloud.proof.poll-initial-ms", "100")
                .set("pipeline.target.icloud.proof.poll-max-ms", "500")
                .set("pipeline.target.icloud.proof.timeout-seconds", "30")
                .set("pipeline.target.icloud.once-wait-seconds", "30")
                .set("pipeline.target.icloud.live-pair-wait-seconds", "3")
                .set("pipeline.target.icloud.removal.enabled", "true")
                .set("pipeline.target.icloud.removal.dry-run", "false");
    }

    /**
     * Twenty waves made ahead (so the campaign's clock runs on the app, not on making media). The first: photos,
     * an exact duplicate, a picture and its resized copy, a Live Photo pair, a clip, a zero-byte file and a text file
     * named .jpg, the demo's sample library, plus photos and a video from iCloud. Each later one: two photos of
     * another pattern, every other one a clip, one photo from iCloud (every third a video too).
     */
    private List<Wave> makeWaves(Path root) throws Exception {
        String[] patterns = {"testsrc2", "life", "cellauto", "mandelbrot", "testsrc", "sierpinski", "gradients",
            "colorspectrum", "smptebars", "yuvtestsrc", "pal100bars", "smptehdbars"};
        List<Wave> waves = new ArrayList<>();
        for (int w = 0; w < WAVES; w++) {
            // a pattern comes back every twelve waves, half a month later (other dates: other bytes)
            int month = w % patterns.length + 1;
            int dayOfMonth = 5 + w / patterns.length * 15;
            Path folder = Files.createDirectories(root.resolve("folder" + w + "/w" + w));
            Path icloud = Files.createDirectories(root.resolve("icloud" + w + String.format("/2024/%02d/%02d", month, dayOfMonth)));
            LocalDateTime day = LocalDateTime.of(2023, month, dayOfMonth, 10, 0);
            String pattern = patterns[w % patterns.length];
            photos(folder, "pic" + w, pattern, w == 0 ? 6 : 2, day);
            if (w % 2 == 0) {
                CompressIT.clip(folder, "clip" + w + ".mov", 160, 120, 1, day.plusHours(2).format(EXIF), 0);
            }
            photos(icloud, "IMG_" + w, pattern, w == 0 ? 4 : 1, LocalDateTime.of(2024, month, dayOfMonth, 9, 0));
            if (w % 3 == 0) {
                // a video from iCloud compresses to a smaller copy: once that copy is proven there, the original goes
                CompressIT.clip(icloud, "IMG_" + w + "_9000.MOV", 160, 120, 1,
                        LocalDateTime.of(2024, month, dayOfMonth, 11, 0).format(EXIF), 0);
            }
            // the pictures of each wave start later in the pattern than the iCloud ones: no two alike
            if (w == 0) {
                Path dup = Files.createDirectories(folder.resolve("copies"));
                Files.copy(folder.resolve("pic0_0002.jpg"), dup.resolve("pic0_0002 copy.jpg"));
                Path near = Files.createDirectories(folder.resolve("near"));
                Tools.run(near, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "mandelbrot=size=320x240", "-frames:v", "1",
                        "-q:v", "3", "NEAR_FULL.jpg");
                Tools.run(near, "ffmpeg", "-v", "error", "-i", "NEAR_FULL.jpg", "-vf", "scale=160:120", "-q:v", "3",
                        "NEAR_SMALL.jpg");
                Tools.run(near, "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2023:01:07 12:00:00",
                        "NEAR_FULL.jpg", "NEAR_SMALL.jpg");
                Path live = folder.resolve("live");
                LivePhotoFiles.still(root.resolve("scratch"), live, "IMG_7001.JPG", "CAMPAIGN-LIVE-1",
                        "2024:05:02 00:30:00", "+02:00", "rgbtestsrc");
                LivePhotoFiles.movie(root.resolve("scratch"), live, "IMG_7001.MOV", "CAMPAIGN-LIVE-1",
                        "2024-05-01T22:30:00Z", "rgbtestsrc");
                // the demo's awkward library too: a HEIC, odd dates, its own duplicates, Live Photo and bad files
                SampleLibrary.Manifest sample = SampleLibrary.generate(folder.resolve("sample"), "ffmpeg", "exiftool");
                assertThat(sample.contains("IMG_2001.HEIC")).as("the sample has its HEIC: " + sample.notes()).isTrue();
                sample.withOutcome(SampleLibrary.Outcome.QUARANTINE)
                        .forEach(f -> badSamples.add("w0/sample/" + f.path()));
                Path badDir = Files.createDirectories(folder.resolve("bad"));
                Files.write(badDir.resolve("empty.jpg"), new byte[0]);
                Files.writeString(badDir.resolve("notes.jpg"), "shopping list: milk, eggs\n");
            }
            waves.add(new Wave(folder.getParent(), icloud.getParent().getParent().getParent()));
        }
        return waves;
    }

    /** n distinct small JPEGs from an ffmpeg pattern, taken one a second from the given time. */
    private static void photos(Path dir, String prefix, String pattern, int n, LocalDateTime from) {
        Tools.run(dir, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", pattern + "=size=128x96:rate=5", "-frames:v",
                String.valueOf(n), "-q:v", "4", prefix + "_%04d.jpg");
        for (int i = 1; i <= n; i++) {
            Tools.run(dir, "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=" + from.plusSeconds(i).format(EXIF),
                    String.format("%s_%04d.jpg", prefix, i));
        }
    }

    /**
     * Moves a wave in whole (the folder files into the library, the iCloud files into the stand-in's iCloud, their
     * originals seeded in the fixture's library as icloudpd's source) and records what each input must become.
     */
    private void moveIn(Wave wave, PipelineHome p, Path fakeLibrary, IcloudFixture fixture) throws Exception {
        for (Path f : PipelineHome.files(wave.folder())) {
            String rel = wave.folder().relativize(f).toString();
            if (rel.contains("/bad/") || badSamples.contains(rel)) {
                bad++;
            } else {
                good.add(sha(f));
                goodInputs.add(rel);
            }
            Files.createDirectories(p.library().resolve(rel).getParent());
            Files.move(f, p.library().resolve(rel));
        }
        for (Path f : PipelineHome.files(wave.icloud())) {
            String rel = wave.icloud().relativize(f).toString();
            String sha = sha(f);
            good.add(sha);
            fromIcloud.add(sha);
            goodInputs.add(rel);
            String date = Tools.run(f.getParent(), "exiftool", "-s3", "-DateTimeOriginal", "-CreateDate", f.toString())
                    .strip().lines().findFirst().orElseThrow();
            fixture.seedOriginal(f.getFileName().toString(), Files.readAllBytes(f),
                    LocalDateTime.parse(date, EXIF).toInstant(ZoneOffset.UTC));
            Files.createDirectories(fakeLibrary.resolve(rel).getParent());
            Files.move(f, fakeLibrary.resolve(rel));
        }
        System.out.println("CrashCampaignIT: wave " + wave.folder().getFileName() + " in; corpus now " + goodInputs.size()
                + " good inputs (" + good.size() + " distinct), " + bad + " bad");
    }

    private static String shortly(String commandLine) {
        return commandLine.length() > 80 ? commandLine.substring(0, 80) + "..." : commandLine;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
