package io.mediapipeline.cli;

import io.mediapipeline.config.CoreConfig;
import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ingest.Ingest;
import io.mediapipeline.ledger.Claim;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ledger.SourceAdmission;
import io.mediapipeline.media.BadMediaException;
import io.mediapipeline.media.ExifTool;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaProbe;
import io.mediapipeline.report.RunReport;
import io.mediapipeline.status.Rate;
import io.mediapipeline.status.Wording;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * `backfill DIR`: registers an existing, already organized archive in the ledger without moving,
 * copying or changing a single file. Each file becomes an archived row whose original and archive
 * path are where it already is; copies are recorded as duplicates, unreadable files as quarantined
 * (in place). Resumable: files registered by an earlier, interrupted backfill are skipped.
 */
public final class Backfill {

    private static final String SOURCE = "backfill";
    private static final Duration PRINT_EVERY = Duration.ofSeconds(5);

    private Backfill() {
    }

    public static int run(Settings settings, Path dir) throws Exception {
        Path root = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            System.err.println("backfill: " + root + " is not a directory");
            return 1;
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        }
        System.out.printf("backfill: %d files under %s%n", files.size(), root);
        CoreConfig core = CoreConfig.from(settings);
        try (Database db = Database.open(settings);
             ExifTool exif = new ExifTool(core.exiftool())) {
            Ledger ledger = new Ledger(db.dataSource());
            MediaProbe probe = new MediaProbe(exif, core.ffprobe(), core.ffmpeg(), core.zone());
            RunContext run = new RunContext(ledger, "backfill", core.node());
            // the ingest steps, with nothing to hand on: a backfilled file stays where it is
            Ingest steps = new Ingest(ledger, probe, null, run, core.home(), true);
            // progress on stderr every few seconds: files per minute over the last minute, and the time left
            Rate rate = new Rate(Duration.ofMinutes(1));
            rate.add(Instant.now(), 0);
            Instant lastPrint = Instant.now();
            int done = 0;
            int skipped = 0;
            for (Path file : files) {
                if (register(ledger, steps, file)) {
                    done++;
                } else {
                    skipped++;
                }
                Instant now = Instant.now();
                rate.add(now, done + skipped);
                if (Duration.between(lastPrint, now).compareTo(PRINT_EVERY) >= 0 || done + skipped == files.size()) {
                    int left = files.size() - done - skipped;
                    System.err.println(String.format(Locale.ROOT, "backfill: %,d/%,d (%,d already registered), %s",
                            done + skipped, files.size(), skipped,
                            left == 0 ? "every file looked at" : Wording.pace(rate.progress(left))));
                    lastPrint = now;
                }
            }
            RunReport.Summary summary = new RunReport(ledger, settings.home()).write(run.runId());
            System.out.println("backfill: done " + summary.counts() + "; report " + summary.file());
            return summary.counts().getOrDefault("quarantined", 0L) > 0 ? 3 : 0;
        }
    }

    /**
     * Ingest's steps (admit, hash, probe, claim) on a file that stays where it is; returns false when an earlier
     * backfill already registered it. The extension is not held against the content: the archive is taken as it is.
     */
    private static boolean register(Ledger ledger, Ingest steps, Path file) throws IOException {
        long size = Files.size(file);
        SourceAdmission admission = steps.admission(SOURCE, file);
        if (admission.alreadyDone()) {
            return false;
        }
        String sha = null;
        try {
            sha = Ingest.hash(file).sha256();
            MediaInfo info = steps.inspect(file);
            Claim claim = steps.claim(sha, size, info, SOURCE, file);
            if (claim.duplicate()) {
                ledger.recordDuplicate(claim.mediaId(), admission.sourceFileId(), sha, file.toString(), file.toString());
            } else {
                ledger.markIngested(claim.mediaId(), file.toString(), admission.sourceFileId(), sha);
                ledger.markArchived(claim.mediaId(), file.toString());
            }
        } catch (BadMediaException | IOException e) {
            ledger.recordQuarantine(admission.sourceFileId(), sha, file.toString(), e.getMessage());
            System.out.println("backfill: not registered (left in place): " + file + ": " + e.getMessage());
        }
        return true;
    }
}
