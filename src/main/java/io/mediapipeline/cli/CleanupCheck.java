package io.mediapipeline.cli;

import io.mediapipeline.cli.IcloudUploadCheck.Finding;
import io.mediapipeline.cli.IcloudUploadCheck.Level;
import io.mediapipeline.config.Settings;
import io.mediapipeline.ledger.Ledger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * doctor's look at cleanup: whether it is on (and a dry run), what trash/ holds and when the purge frees it, and
 * the removals that need the operator: a moved file found nowhere after a restart, copies kept because their
 * bytes or the archive copy did not check out.
 */
final class CleanupCheck {

    private CleanupCheck() {
    }

    static List<Finding> ledger(Settings settings, Ledger ledger) {
        List<Finding> out = new ArrayList<>();
        Map<String, Object> r = ledger.rows("""
                select count(*) filter (where state = 'trashed') as trashed,
                       coalesce(sum(size) filter (where state = 'trashed'), 0) as bytes,
                       min(purge_after) filter (where state = 'trashed') as next_purge,
                       count(*) filter (where state = 'error') as errors,
                       count(*) filter (where state = 'kept') as kept,
                       count(*) filter (where state = 'would-remove') as listed
                  from local_removals""").get(0);
        boolean on = settings.bool("pipeline.cleanup.enabled");
        boolean dry = settings.bool("pipeline.cleanup.dry-run");
        out.add(new Finding(Level.OK, "cleanup", (on ? dry ? "on, dry run" : "on" : "off") + "; trash/ holds "
                + r.get("trashed") + " file(s), " + String.format("%.1f MiB", ((Number) r.get("bytes")).doubleValue() / (1 << 20))
                + (r.get("next_purge") == null ? "" : ", first purge due " + r.get("next_purge"))
                + (dry ? "; " + r.get("listed") + " copy(ies) listed as would-remove" : ""), null));
        long errors = ((Number) r.get("errors")).longValue();
        if (errors > 0) {
            out.add(new Finding(Level.WARN, "cleanup", errors + " removal(s) found neither in place nor in trash/ after a restart",
                    "see `select path, trash_path, reason from local_removals where state = 'error'`"));
        }
        long kept = ((Number) r.get("kept")).longValue();
        if (kept > 0) {
            out.add(new Finding(Level.WARN, "cleanup", kept + " copy(ies) kept: their bytes or the archive copy did not check out",
                    "see `select path, reason from local_removals where state = 'kept'`"));
        }
        return out;
    }
}
