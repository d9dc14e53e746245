package io.mediapipeline.cli;

import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ledger.Claim;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ledger.SourceAdmission;
import io.mediapipeline.media.BadMediaException;
import io.mediapipeline.media.ExifTool;
import io.mediapipeline.media.Hasher;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaProbe;
import io.mediapipeline.report.RunReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * `backfill DIR`: registers an existing, already organized archive in the ledger without moving,
 * copying or changing a single file. Each file becomes an archived row whose original and archive
 * path are where it already is; copies are recorded as duplicates, unreadable files as quarantined
 * (in place). Resumable: files registered by an earlier, interrupted backfill are skipped.
 */
public final class Backfill {

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
        try (Database db = Database.open(settings);
             ExifTool exif = new ExifTool(settings.get("pipeline.tools.exiftool"))) {
            Ledger ledger = new Ledger(db.dataSource());
            MediaProbe probe = new MediaProbe(exif, settings.get("pipeline.tools.ffprobe"),
                    settings.get("pipeline.tools.ffmpeg"), settings.zone());
            RunContext run = new RunContext(ledger, "backfill", settings.node());
            long started = System.nanoTime();
            long lastPrint = started;
            int done = 0;
            int skipped = 0;
            for (Path file : files) {
                if (register(ledger, probe, run, file)) {
                    done++;
                } else {
                    skipped++;
                }
                long now = System.nanoTime();
                if (now - lastPrint > 2_000_000_000L || done + skipped == files.size()) {
                    double secs = (now - started) / 1e9;
                    System.out.printf("backfill: %d/%d (%d already registered) %.1f files/s%n",
                            done + skipped, files.size(), skipped, (done + skipped) / Math.max(secs, 0.001));
                    lastPrint = now;
                }
            }
            RunReport.Summary summary = new RunReport(ledger, settings.home()).write(run.runId());
            System.out.println("backfill: done " + summary.counts() + "; report " + summary.file());
            return summary.counts().getOrDefault("quarantined", 0L) > 0 ? 3 : 0;
        }
    }

    /** Returns false when an earlier backfill already registered this file. */
    private static boolean register(Ledger ledger, MediaProbe probe, RunContext run, Path file) throws IOException {
        long size = Files.size(file);
        String key = "backfill:" + file + "|" + size + "|" + Files.getLastModifiedTime(file).toMillis();
        SourceAdmission admission = ledger.admitSource(run.runId(), "backfill", key, file.toString(), size);
        if (admission.alreadyDone()) {
            return false;
        }
        String sha = null;
        try {
            sha = Hasher.sha256(file);
            MediaInfo info = probe.inspect(file, null);
            Claim claim = ledger.claim(sha, size, info, "backfill", file.getFileName().toString(), file.toString());
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
