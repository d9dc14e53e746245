package io.mediapipeline.icloud.upload;

import io.mediapipeline.flow.OriginalRemoval;
import io.mediapipeline.icloud.removal.Removal;
import io.mediapipeline.icloud.removal.RemovalConfig;
import io.mediapipeline.icloud.removal.RemovalDecision;
import io.mediapipeline.ledger.LedgerSql;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * Cleanup's way to the removal of an iCloud original: the round trip's {@link Removal} plans (every safety rule of
 * its own) and, with cleanup's approval, removes. Sessions are the upload's, so an account that is blocked (sign-in
 * needed, throttled) is not asked at all, and the removal shares the upload's lock and budget.
 */
public class IcloudOriginalRemoval implements OriginalRemoval {

    private final RemovalConfig config;
    private final DataSource dataSource;
    private final Path home;
    private final Supplier<UploadParts> parts;
    private final LedgerSql sql;

    /** {@code parts} gives the upload's parts once the stage has wired them (null while the upload is off). */
    public IcloudOriginalRemoval(RemovalConfig config, DataSource dataSource, Path home, Supplier<UploadParts> parts) {
        this.config = config;
        this.dataSource = dataSource;
        this.home = home;
        this.parts = parts;
        this.sql = new LedgerSql(dataSource);
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
        List<String> source = sql.query("select source from media_files where id = ?", (rs, n) -> rs.getString(1),
                mediaFileId);
        if (source.isEmpty()) {
            return new Outcome(State.REFUSED, "no media file " + mediaFileId + " in the ledger");
        }
        if (!"icloud".equals(source.get(0))) {
            return new Outcome(State.NOT_APPLICABLE, "not downloaded from iCloud (source " + source.get(0) + ")");
        }
        UploadParts p = parts.get();
        if (p == null) {
            return new Outcome(State.FAILED, "not asked now: the upload to iCloud is off"
                    + " (pipeline.target.icloud.enabled=false), so no iCloud session is open");
        }
        // a dry run plans as one, so its icloud_removals row says so and it can never be carried out
        RemovalConfig c = dryRun ? new RemovalConfig(config.enabled(), true, config.dateWindow()) : config;
        Removal removal = new Removal(c, dataSource, home, p::usable);
        try {
            Removal.Outcome planned = removal.plan(mediaFileId);
            if (planned instanceof Removal.Plan plan) {
                return plan.dryRun() ? new Outcome(State.WOULD_REMOVE, describe(plan))
                        : outcome(removal.remove(RemovalDecision.approve(plan, approvedBy, why)), plan);
            }
            return outcome(planned, null);
        } catch (RuntimeException e) {
            return new Outcome(State.FAILED, "the removal failed: " + e);
        }
    }

    private static Outcome outcome(Removal.Outcome o, Removal.Plan plan) {
        if (o instanceof Removal.Removed) {
            return new Outcome(State.REMOVED, describe(plan) + ": in Recently Deleted, read back as deleted");
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
