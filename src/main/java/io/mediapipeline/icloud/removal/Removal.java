package io.mediapipeline.icloud.removal;

import io.mediapipeline.icloud.IcloudInbox;
import io.mediapipeline.icloud.web.IcloudWebException;
import io.mediapipeline.icloud.web.PhotosWeb;
import io.mediapipeline.icloud.web.PhotosWeb.Found;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the original of a downloaded file from iCloud Photos (it goes to the owner's "Recently Deleted",
 * recoverable for 30 days), in two phases: {@link #plan} finds the original asset and checks every safety rule
 * without changing anything; {@link #remove} carries out one plan, and only with a {@link RemovalDecision} for it.
 *
 * <p><b>Nothing in the routes calls {@link #remove}.</b> Whether an original may go is the decision of the
 * Verify &amp; cleanup stage; this class only makes sure that, when asked, it never removes the wrong asset, an
 * asset that changed since it was approved, or the copy the upload put there. Every plan and every outcome is a
 * row in icloud_removals (and a line in pipeline_logs) with a one-line reason.
 *
 * <p>Rules, each a refusal when broken: the file came from iCloud (inbox/icloud/&lt;account&gt;/); it has a
 * confirmed iCloud delivery to that same account (its smaller copy is proven there), and so has the other half of a
 * Live Photo; exactly one asset matches (see {@link OriginalFinder}); that asset is neither the one the delivery
 * points to nor shares its master (when the original itself went up, the upload may be a duplicate of the very
 * original asset); right before the delete the asset is read again and must still be there, undeleted, with the
 * planned master and change tag; after the delete it is read back and must be marked deleted.
 */
public final class Removal {

    private static final Logger LOG = LoggerFactory.getLogger(Removal.class);

    /**
     * A signed-in client for an account. The provider owns the client (the removal never closes it) and the
     * account's lock and budget shared with the download and the upload; it throws when the account may not be
     * used now (sign-in needed, backing off).
     */
    @FunctionalInterface
    public interface Sessions {
        PhotosWeb signedIn(String account) throws IcloudWebException, IOException;
    }

    /** What plan and remove answer. {@code id} is the icloud_removals row (0 when none could be written). */
    public sealed interface Outcome permits Plan, Removed, Refused, Failed {
        long id();

        UUID mediaFileId();
    }

    /**
     * A match that passed every rule, recorded as 'planned': the asset, its master and change tag, and how it
     * matched. It is carried out only through a {@link RemovalDecision}.
     */
    public static final class Plan implements Outcome {
        private final long id;
        private final UUID mediaFileId;
        private final String account;
        private final Found found;
        private final String matched;
        private final boolean dryRun;

        // only Removal makes plans, so a decision can only ever approve what plan() found and recorded
        private Plan(long id, UUID mediaFileId, String account, Found found, String matched, boolean dryRun) {
            this.id = id;
            this.mediaFileId = mediaFileId;
            this.account = account;
            this.found = found;
            this.matched = matched;
            this.dryRun = dryRun;
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public UUID mediaFileId() {
            return mediaFileId;
        }

        public String account() {
            return account;
        }

        public String assetRecord() {
            return found.asset().recordName();
        }

        public String masterRecord() {
            return found.master().recordName();
        }

        public String changeTag() {
            return found.asset().changeTag();
        }

        public String fileName() {
            return found.master().fileName();
        }

        public long size() {
            return found.master().size();
        }

        public Instant assetDate() {
            return found.asset().assetDate();
        }

        public String matched() {
            return matched;
        }

        /** Planned as a dry run: a listing entry, never carried out. */
        public boolean dryRun() {
            return dryRun;
        }

        @Override
        public String toString() {
            return "Plan[" + id + ", " + fileName() + ", asset " + assetRecord() + ", tag " + changeTag() + "]";
        }
    }

    /** The asset was removed and read back as deleted. */
    public record Removed(long id, UUID mediaFileId, String assetRecord) implements Outcome {
    }

    /** A rule said no (or it was a dry run); nothing in iCloud was changed. */
    public record Refused(long id, UUID mediaFileId, String reason) implements Outcome {
    }

    /** The service failed; {@code reason} says what is known about the asset. */
    public record Failed(long id, UUID mediaFileId, String reason) implements Outcome {
    }

    private final RemovalConfig config;
    private final RemovalLedger ledger;
    private final Path home;
    private final Sessions sessions;
    private final OriginalFinder finder;

    /** {@code home} is pipeline.home: a downloaded file's account is the folder under inbox/icloud/ it came from. */
    public Removal(RemovalConfig config, DataSource dataSource, Path home, Sessions sessions) {
        this.config = config;
        this.ledger = new RemovalLedger(dataSource);
        this.home = home;
        this.sessions = sessions;
        this.finder = new OriginalFinder(config.dateWindow());
    }

    /** Finds the original asset of the file and checks the rules; changes nothing in iCloud. */
    public Outcome plan(UUID mediaFileId) {
        Optional<RemovalLedger.Facts> found = ledger.facts(mediaFileId);
        if (found.isEmpty()) {
            String reason = "no media file " + mediaFileId;
            ledger.log("warn", "removal refused: " + reason, null);
            return new Refused(0, mediaFileId, reason);
        }
        RemovalLedger.Facts f = found.get();
        String account = account(f);
        String broken = ledgerRule(f, account);
        if (broken != null) {
            return refused(ledger.record(mediaFileId, account, null, null, null, null, "refused", broken, config.dryRun()),
                    f, broken);
        }
        OriginalFinder.Result result;
        try {
            result = find(f, account);
        } catch (IcloudWebException | IOException e) {
            String reason = "could not look for the original in iCloud: " + describe(e);
            return failed(ledger.record(mediaFileId, account, null, null, null, null, "failed", reason, config.dryRun()),
                    f.id(), reason);
        }
        if (result instanceof OriginalFinder.NoMatch none) {
            return refused(ledger.record(mediaFileId, account, null, null, null, null, "refused", none.reason(),
                    config.dryRun()), f, none.reason());
        }
        OriginalFinder.Match match = (OriginalFinder.Match) result;
        Found asset = match.found();
        String unsafe = asset.asset().changeTag() == null ? "the service gave no change tag for asset "
                + asset.asset().recordName() + ": a delete could not be guarded against changes" : uploadedCopy(f, asset);
        if (unsafe != null) {
            return refused(ledger.record(mediaFileId, account, asset.asset().recordName(), asset.master().recordName(),
                    asset.asset().changeTag(), match.how(), "refused", unsafe, config.dryRun()), f, unsafe);
        }
        long id = ledger.record(mediaFileId, account, asset.asset().recordName(), asset.master().recordName(),
                asset.asset().changeTag(), match.how(), "planned", null, config.dryRun());
        Plan plan = new Plan(id, mediaFileId, account, asset, match.how(), config.dryRun());
        String message = (plan.dryRun() ? "would remove " : "planned removal of ") + f.originalName() + " from iCloud ("
                + account + "): asset " + plan.assetRecord() + ", " + match.how();
        ledger.log("info", message, mediaFileId);
        LOG.info("{}", message);
        return plan;
    }

    /** The original asset of a file downloaded from iCloud, and the account it is in. */
    public record Located(String account, Found found, String how) {
    }

    /**
     * Finds the original asset of a file downloaded from iCloud the way {@link #plan} does, without any rule about
     * deliveries and without recording anything (the scrub restores from it); empty when the file did not come from
     * iCloud or no single asset matches.
     */
    public Optional<Located> locate(UUID mediaFileId) throws IcloudWebException, IOException {
        Optional<RemovalLedger.Facts> found = ledger.facts(mediaFileId);
        String account = found.map(this::account).orElse(null);
        if (account == null || !"icloud".equals(found.get().source())) {
            return Optional.empty();
        }
        return find(found.get(), account) instanceof OriginalFinder.Match m
                ? Optional.of(new Located(account, m.found(), m.how())) : Optional.empty();
    }

    // icloudpd records no asset record name, so a downloaded file is always found by the query
    private OriginalFinder.Result find(RemovalLedger.Facts f, String account) throws IcloudWebException, IOException {
        return finder.find(sessions.signedIn(account),
                new OriginalFinder.Original(f.originalName(), f.size(), f.capturedAt(), null));
    }

    /** Carries out an approved plan: re-reads the asset, marks it deleted, reads it back. */
    public Outcome remove(RemovalDecision decision) {
        Plan plan = Objects.requireNonNull(decision, "decision").plan();
        UUID media = plan.mediaFileId();
        if (plan.dryRun() || config.dryRun()) {
            // a dry-run plan stays 'planned': it is the listing of what would go
            String reason = plan.dryRun() ? "planned as a dry run: nothing was changed (plan again to remove)"
                    : "dry run (pipeline.target.icloud.removal.dry-run=true): nothing was changed";
            ledger.log("info", "removal of asset " + plan.assetRecord() + " not carried out: " + reason, media);
            return new Refused(plan.id(), media, reason);
        }
        if (!config.enabled()) {
            return conclude(plan, "refused", "removal is switched off (pipeline.target.icloud.removal.enabled=false)");
        }
        if (!ledger.claim(plan.id(), plan.assetRecord(), plan.changeTag(), decision.approvedBy(), decision.why())) {
            String state = ledger.row(plan.id()).map(RemovalLedger.Row::state).orElse("missing");
            String reason = "plan " + plan.id() + " is not open (" + state + "): plan again";
            ledger.log("warn", "removal refused: " + reason, media);
            return new Refused(plan.id(), media, reason);
        }
        Optional<RemovalLedger.Facts> facts = ledger.facts(media);
        String broken = facts.isEmpty() ? "the media file is gone from the ledger" : ledgerRule(facts.get(), account(facts.get()));
        if (broken == null && !plan.account().equals(account(facts.get()))) {
            broken = "the file's account changed since the plan";
        }
        if (broken == null) {
            broken = uploadedCopy(facts.get(), plan.found);
        }
        if (broken != null) {
            return conclude(plan, "refused", broken);
        }
        PhotosWeb web;
        Optional<Found> now;
        try {
            web = sessions.signedIn(plan.account());
            now = web.lookup(plan.assetRecord());
        } catch (IcloudWebException | IOException e) {
            return conclude(plan, "failed", "could not read the asset before the delete, nothing was changed: " + describe(e));
        }
        String changed = changedSincePlan(plan, now);
        if (changed != null) {
            return conclude(plan, "refused", changed);
        }
        try {
            web.markDeleted(plan.assetRecord(), plan.changeTag());
        } catch (IcloudWebException e) {
            // the answer may be lost after the service applied it (a timeout): what the asset reads back decides
            String seen = readBack(web, plan);
            return seen.equals("deleted")
                    ? conclude(plan, "removed", null)
                    : conclude(plan, "failed", "the delete failed (" + describe(e) + "); read back: " + seen);
        }
        String after = readBack(web, plan);
        if (!after.equals("deleted")) {
            return conclude(plan, "failed", "the delete was answered but the asset reads back " + after);
        }
        return conclude(plan, "removed", null);
    }

    /** Why the asset as it is now differs from the approved plan, or null when it is unchanged. */
    private static String changedSincePlan(Plan plan, Optional<Found> now) {
        if (now.isEmpty()) {
            return "asset " + plan.assetRecord() + " is no longer found";
        }
        PhotosWeb.Asset a = now.get().asset();
        if (!plan.assetRecord().equals(a.recordName())) {
            return "the service answered asset " + a.recordName() + " for " + plan.assetRecord();
        }
        if (a.deleted() || a.expunged()) {
            return "asset " + plan.assetRecord() + " is already deleted";
        }
        if (!Objects.equals(plan.changeTag(), a.changeTag())) {
            return "asset " + plan.assetRecord() + " changed since the plan (change tag " + plan.changeTag() + " -> "
                    + a.changeTag() + ")";
        }
        if (!plan.masterRecord().equals(a.masterRef())) {
            return "asset " + plan.assetRecord() + " now points to another master";
        }
        return null;
    }

    /** "deleted", "not deleted", "not found" or "unreadable (...)": what a fresh look-up says. */
    private static String readBack(PhotosWeb web, Plan plan) {
        try {
            Optional<Found> f = web.lookup(plan.assetRecord());
            if (f.isEmpty()) {
                return "not found";
            }
            PhotosWeb.Asset a = f.get().asset();
            return plan.assetRecord().equals(a.recordName()) && a.deleted() ? "deleted" : "not deleted";
        } catch (IcloudWebException e) {
            return "unreadable (" + describe(e) + ")";
        }
    }

    /** The account under inbox/icloud/ the file was downloaded into, or null when it did not come from there. */
    private String account(RemovalLedger.Facts f) {
        return IcloudInbox.accountOf(home, f.sourcePath());
    }

    /** The first ledger rule the file breaks, or null. */
    private static String ledgerRule(RemovalLedger.Facts f, String account) {
        if (!"icloud".equals(f.source()) || account == null) {
            return "not downloaded from iCloud (source " + f.source() + "): there is no original there to remove";
        }
        if (!"confirmed".equals(f.state())) {
            return f.state() == null ? "no iCloud delivery: its copy is not in iCloud"
                    : "its iCloud delivery is " + f.state() + ", not confirmed";
        }
        if (!account.equals(f.account())) {
            return "its copy went up to account " + f.account() + ", the original is in " + account;
        }
        if (f.paired() && !"confirmed".equals(f.pairState())) {
            return "the other half of its Live Photo has no confirmed iCloud delivery";
        }
        return null;
    }

    /** Why the asset is (or shares its master with) the copy the delivery points to, or null. */
    private static String uploadedCopy(RemovalLedger.Facts f, Found asset) {
        if (asset.asset().recordName().equals(f.assetRecord())) {
            return "asset " + asset.asset().recordName() + " is the one its iCloud delivery points to";
        }
        if (asset.master().recordName().equals(f.masterRecord())) {
            return "asset " + asset.asset().recordName() + " shares master " + f.masterRecord()
                    + " with its iCloud delivery";
        }
        return null;
    }

    private Outcome conclude(Plan plan, String state, String reason) {
        ledger.conclude(plan.id(), state, reason);
        String what = plan.fileName() + " (asset " + plan.assetRecord() + ")";
        switch (state) {
            case "removed" -> {
                ledger.log("info", "removed " + what + " from iCloud (" + plan.account() + "): in Recently Deleted",
                        plan.mediaFileId());
                LOG.info("Removed {} from iCloud ({}): read back as deleted", what, plan.account());
                return new Removed(plan.id(), plan.mediaFileId(), plan.assetRecord());
            }
            case "refused" -> {
                ledger.log("warn", "removal of " + what + " refused: " + reason, plan.mediaFileId());
                LOG.warn("Removal of {} refused: {}", what, reason);
                return new Refused(plan.id(), plan.mediaFileId(), reason);
            }
            default -> {
                ledger.log("error", "removal of " + what + " failed: " + reason, plan.mediaFileId());
                LOG.error("Removal of {} failed: {}", what, reason);
                return new Failed(plan.id(), plan.mediaFileId(), reason);
            }
        }
    }

    private Refused refused(long id, RemovalLedger.Facts f, String reason) {
        ledger.log("warn", "never remove " + f.originalName() + " from iCloud: " + reason, f.id());
        LOG.info("Never remove {} from iCloud: {}", f.originalName(), reason);
        return new Refused(id, f.id(), reason);
    }

    private Failed failed(long id, UUID media, String reason) {
        ledger.log("error", reason, media);
        LOG.warn("{}", reason);
        return new Failed(id, media, reason);
    }

    private static String describe(Exception e) {
        return e instanceof IcloudWebException w ? w.kind() + (w.status() > 0 ? " " + w.status() : "") + ": " + w.getMessage()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
