package io.mediapipeline.cli;

import io.mediapipeline.ledger.Ledger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** doctor's look at verify: how many files are verified, waiting for a target, due now, or failed verification. */
final class VerifyCheck {

    private VerifyCheck() {
    }

    static List<IcloudUploadCheck.Finding> of(Ledger ledger) {
        Map<String, Object> r = ledger.rows("""
                select count(*) filter (where status in ('verified', 'cleaned')) as verified,
                       count(*) filter (where status = 'archived' and verify_after > now()) as waiting,
                       count(*) filter (where status = 'archived' and (verify_after is null or verify_after <= now())) as due,
                       count(*) filter (where status = 'error' and error like 'verify: %') as failed,
                       min(verify_after) filter (where status = 'archived' and verify_after > now()) as next
                  from media_files""").get(0);
        List<IcloudUploadCheck.Finding> out = new ArrayList<>();
        out.add(new IcloudUploadCheck.Finding(IcloudUploadCheck.Level.OK, "verify", r.get("verified") + " verified, "
                + r.get("waiting") + " waiting for a target" + (r.get("next") == null ? "" : " (next look " + r.get("next") + ")")
                + ", " + r.get("due") + " due now", null));
        long failed = ((Number) r.get("failed")).longValue();
        if (failed > 0) {
            out.add(new IcloudUploadCheck.Finding(IcloudUploadCheck.Level.WARN, "verify", failed
                    + " file(s) failed verification (a copy missing or changed, or a target lost the file); they are never cleaned",
                    "see `select original_name, error from media_files where status = 'error' and error like 'verify:%'`;"
                            + " once fixed, `update media_files set status = 'archived', error = null where id = '…'`"));
        }
        return out;
    }
}
