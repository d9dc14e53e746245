package io.mediapipeline.cli;

import io.mediapipeline.cli.IcloudUploadCheck.Finding;
import io.mediapipeline.cli.IcloudUploadCheck.Level;
import io.mediapipeline.config.Settings;
import io.mediapipeline.ledger.Ledger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * doctor's look at the scrub: open findings (copies whose bytes changed, vanished or could not be read), when the
 * last run was and what it read, and the coverage: how much of the archive was read within the cycle.
 */
final class ScrubCheck {

    private static final String P = "pipeline.scrub.";

    private ScrubCheck() {
    }

    static List<Finding> of(Settings settings, Ledger ledger) {
        List<Finding> out = new ArrayList<>();
        if (!settings.bool(P + "enabled")) {
            out.add(new Finding(Level.WARN, "scrub", "off: nothing re-reads the archive, bit rot goes unnoticed",
                    "set " + P + "enabled=true"));
            return out;
        }
        int cycleDays = settings.positive(P + "cycle-days");
        long open = count(ledger, "select count(*) as n from scrub_findings where state = 'open'");
        if (open > 0) {
            out.add(new Finding(Level.WARN, "scrub", open + " open finding(s): copies that changed, vanished or cannot be read",
                    "see `select path, kind, detail from scrub_findings where state = 'open'`; a restored or re-placed copy"
                            + " is resolved by the next scrub that reads it"));
        }
        Map<String, Object> c = ledger.rows("""
                select count(*) as total,
                       count(*) filter (where scrubbed_at > now() - make_interval(days => ?)) as covered,
                       count(*) filter (where coalesce(scrubbed_at, created_at) < now() - make_interval(days => ?)) as overdue
                  from media_files where status in ('archived', 'verified', 'cleaned')""", cycleDays, cycleDays).get(0);
        long total = ((Number) c.get("total")).longValue();
        long covered = ((Number) c.get("covered")).longValue();
        List<Map<String, Object>> last = ledger.rows("""
                select started_at, outcome, files, bytes, seconds, findings, now() - started_at > make_interval(days => ?) as stale
                  from scrub_runs order by started_at desc limit 1""", Math.max(2, cycleDays / 4));
        if (last.isEmpty()) {
            String fix = "it runs on " + P + "schedule (" + settings.get(P + "schedule") + ") while the service runs";
            out.add(total == 0 ? new Finding(Level.OK, "scrub", "has not run yet", null)
                    : new Finding(Level.WARN, "scrub", "has not run yet", fix));
        } else {
            Map<String, Object> r = last.get(0);
            double seconds = r.get("seconds") instanceof Number n ? n.doubleValue() : 0;
            double mb = ((Number) r.get("bytes")).doubleValue() / (1L << 20);
            String detail = String.format("last run %s (%s): %s file(s), %.1f MB%s, %s new finding(s)", r.get("started_at"),
                    r.get("outcome"), r.get("files"), mb, seconds > 0 ? String.format(" at %.1f MB/s", mb / seconds) : "",
                    r.get("findings"));
            out.add(Boolean.TRUE.equals(r.get("stale"))
                    ? new Finding(Level.WARN, "scrub", detail + "; no run since", "check that the service runs and " + P + "schedule")
                    : new Finding(Level.OK, "scrub", detail, null));
        }
        out.add(new Finding(Level.OK, "scrub", String.format("coverage: %d of %d archived file(s) read in the last %d day(s)%s",
                covered, total, cycleDays, total == 0 ? "" : String.format(" (%.0f %%)", 100.0 * covered / total)), null));
        long overdue = ((Number) c.get("overdue")).longValue();
        if (overdue > 0) {
            out.add(new Finding(Level.WARN, "scrub", overdue + " file(s) not read for more than " + cycleDays + " day(s)",
                    "the runs do not keep up: raise " + P + "max-mb-per-second, run more often (" + P + "schedule) or"
                            + " lengthen " + P + "cycle-days"));
        }
        return out;
    }

    private static long count(Ledger ledger, String sql) {
        return ((Number) ledger.rows(sql).get(0).get("n")).longValue();
    }
}
