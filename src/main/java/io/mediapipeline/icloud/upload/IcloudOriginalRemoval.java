package io.mediapipeline.icloud.upload;

import io.mediapipeline.flow.OriginalRemoval;
import io.mediapipeline.icloud.removal.Removal;
import io.mediapipeline.icloud.removal.RemovalConfig;
import io.mediapipeline.icloud.removal.RemovalDecision;
import io.mediapipeline.ledger.LedgerSql;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Cleanup's way to the removal of an iCloud original: the round trip's {@link Removal} plans (every safety rule of
 * its own) and, with cleanup's approval, removes. Sessions are the upload's, so an account that is blocked (sign-in
 * needed, throttled) is not asked at all, and the removal shares the upload's lock and budget.
 */
public class IcloudOriginalRemoval implements OriginalRemoval {

    private final Originals originals;
    private final RemovalConfig config;
    private final LedgerSql sql;
    private final LiveMotionOriginal motion;

    public IcloudOriginalRemoval(Originals originals) {
        this.originals = originals;
        this.config = originals.config();
        this.sql = new LedgerSql(originals.dataSource());
        this.motion = new LiveMotionOriginal(sql);
    }

    @Override
    public String source() {
        return "icloud";
    }

    @Override
    public boolean enabled() {
        return config.enabled();
    }

    @Override
    public Outcome remove(UUID mediaFileId, String approvedBy, String why, boolean dryRun) {
        try {
            return removeOrSay(mediaFileId, approvedBy, why, dryRun);
        } catch (RuntimeException e) {
            return new Outcome(State.FAILED, "the removal failed: " + e);
        }
    }

    private Outcome removeOrSay(UUID mediaFileId, String approvedBy, String why, boolean dryRun) {
        List<String> source = sql.query("select source from media_files where id = ?", (rs, n) -> rs.getString(1),
                mediaFileId);
        if (source.isEmpty()) {
            return new Outcome(State.REFUSED, "no media file " + mediaFileId + " in the ledger");
        }
        if (!"icloud".equals(source.get(0))) {
            return new Outcome(State.NOT_APPLICABLE, "not downloaded from iCloud (source " + source.get(0) + ")");
        }
        Optional<Outcome> withStill = motion.answer(mediaFileId, dryRun || config.dryRun());
        if (withStill.isPresent()) {
            return withStill.get();
        }
        // a dry run plans as one, so its icloud_removals row says so and it can never be carried out
        Removal removal = originals.removal(dryRun ? new RemovalConfig(config.enabled(), true, config.dateWindow()) : config);
        if (removal == null) {
            return new Outcome(State.FAILED, "not asked now: the upload to iCloud is off"
                    + " (pipeline.target.icloud.enabled=false), so no iCloud session is open");
        }
        Removal.Outcome planned = removal.plan(mediaFileId);
        if (planned instanceof Removal.Plan plan) {
            // pipeline.target.icloud.removal.dry-run=true plans every removal as a dry run too
            return plan.dryRun() ? new Outcome(State.WOULD_REMOVE, describe(plan))
                    : outcome(removal.remove(RemovalDecision.approve(plan, approvedBy, why)), plan);
        }
        return outcome(planned, null);
    }

    private static Outcome outcome(Removal.Outcome o, Removal.Plan plan) {
        if (o instanceof Removal.Removed r) {
            return new Outcome(State.REMOVED, (plan == null ? "asset " + r.assetRecord() : describe(plan))
                    + ": in Recently Deleted, read back as deleted");
        }
        if (o instanceof Removal.Refused r) {
            return new Outcome(State.REFUSED, r.reason());
        }
        if (o instanceof Removal.Failed f) {
            return new Outcome(State.FAILED, f.reason());
        }
        return new Outcome(State.FAILED, "the removal answered with another plan: " + o);
    }

    private static String describe(Removal.Plan plan) {
        return "iCloud account " + plan.account() + ": asset " + plan.assetRecord() + " (" + plan.fileName() + ", "
                + plan.size() + " bytes, master " + plan.masterRecord() + ", " + plan.matched() + ")";
    }
}
