package io.mediapipeline.report;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How a run ends for the person who started it: the summary on stdout and the exit code. */
public final class RunOutcome {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int QUARANTINED = 3;
    public static final int NOT_DONE = 4;

    private static final Logger LOG = LoggerFactory.getLogger(RunOutcome.class);
    private static final int SUMMARY_LINES = 20;

    private RunOutcome() {
    }

    /** Not done wins over quarantined: an operator must look at what is unfinished first. */
    public static int exitCode(RunReport.Summary summary) {
        if (!summary.notDone().isEmpty()) {
            return NOT_DONE;
        }
        return summary.counts().getOrDefault("quarantined", 0L) > 0 ? QUARANTINED : OK;
    }

    /** Prints the summary (null: the report could not be written) and returns the exit code. */
    public static int finish(RunReport.Summary summary) {
        if (summary == null) {
            System.out.println("Run failed: the run report could not be written (see the log)");
            return FAILED;
        }
        print(summary);
        return exitCode(summary);
    }

    /** Service stopping mid-batch: the inputs handled so far still get their report. */
    public static void writeUnreported(RunReport report, long runId) {
        try {
            if (report.hasInputs(runId)) {
                LOG.info("Stopping: run report {}", report.write(runId).file());
            }
        } catch (Exception e) {
            LOG.warn("Could not write the run report while stopping: {}", e.getMessage());
        }
    }

    private static void print(RunReport.Summary summary) {
        var c = summary.counts();
        long skipped = c.getOrDefault("skipped", 0L);
        // skipped inputs (not media, links, too deep) are named in the report with why; said here only when there are some
        System.out.printf("Run complete: %d imported, %d duplicate(s), %d quarantined%s. Report: %s%n",
                c.getOrDefault("imported", 0L), c.getOrDefault("duplicate", 0L), c.getOrDefault("quarantined", 0L),
                skipped == 0 ? "" : ", " + skipped + " skipped (the report says why)", summary.file());
        var z = summary.compression();
        if (!z.isEmpty()) {
            System.out.printf("Compression of the imported files: %d compressed (%.1f MB saved), %d kept as original "
                            + "(gate refused), %d skipped, %d failed%n", z.getOrDefault("compressed", 0L),
                    z.getOrDefault("bytesSaved", 0L) / 1e6, z.getOrDefault("original", 0L), z.getOrDefault("skipped", 0L),
                    z.getOrDefault("failed", 0L));
        }
        var up = summary.icloud();
        if (!up.isEmpty()) {
            System.out.printf("Upload to iCloud: %d confirmed, %d registered (not proven yet), %d unproven, %d failed, "
                            + "%d still uploading%n", up.getOrDefault("confirmed", 0L), up.getOrDefault("registered", 0L),
                    up.getOrDefault("unproven", 0L), up.getOrDefault("failed", 0L), up.getOrDefault("uploading", 0L));
        }
        if (summary.nearGroups() > 0) {
            System.out.printf("Near-duplicates: %d group(s) with a keep suggestion, for review (report section "
                    + "\"nearDuplicates\", dashboard /similar); nothing was moved or deleted%n", summary.nearGroups());
        }
        List<Unfinished.Item> notDone = summary.notDone();
        if (!notDone.isEmpty()) {
            System.out.printf("Not all done (exit %d): %d item(s) left for a later run:%n", NOT_DONE, notDone.size());
            notDone.stream().limit(SUMMARY_LINES).forEach(i -> System.out.printf("  %s: %s%n", i.what(), i.why()));
            if (notDone.size() > SUMMARY_LINES) {
                System.out.printf("  ... and %d more in the report (\"notDone\")%n", notDone.size() - SUMMARY_LINES);
            }
        }
    }
}
