package io.mediapipeline.icloud.upload;

import io.mediapipeline.flow.OriginalRemoval.Outcome;
import io.mediapipeline.flow.OriginalRemoval.State;
import io.mediapipeline.ledger.LedgerSql;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * In iCloud a Live Photo is one asset: its master is the still, the movie a resource of that asset (icloudpd saves
 * it as IMG_0100_HEVC.MOV beside IMG_0100.HEIC). The movie half therefore has no original asset of its own to find
 * or remove: it goes when its still's asset goes, which the removal allows only once both halves' copies are
 * confirmed in iCloud. Each answer is recorded in icloud_removals for the movie too, so cleanup's back-off and
 * dry-run listing work for it as for any file.
 *
 * <p>Only a pair that is provably one asset answers here: both halves carry the same Apple content identifier, or,
 * when one of them has none, the movie bears icloudpd's name for the movie resource of that very still
 * (IMG_0100_HEVC.MOV beside IMG_0100.HEIC). A pair linked by name alone otherwise (IMG_0100.JPG with IMG_0100.MOV,
 * which a separate video asset can be called too) gets no answer here, so the movie is looked up as an asset of its
 * own: at worst it stays until an operator looks, never is it called removed while its own asset is still there.
 */
final class LiveMotionOriginal {

    private record Still(UUID id, String state, String asset, String account, boolean dryRun) {
    }

    private final LedgerSql sql;

    LiveMotionOriginal(LedgerSql sql) {
        this.sql = sql;
    }

    /** The answer for the movie half of a Live Photo, or empty when the file is not one. */
    Optional<Outcome> answer(UUID mediaFileId, boolean dryRun) {
        List<Still> still = sql.query("""
                select p.id, r.state, r.asset_record, r.account, r.dry_run
                  from media_files m join media_files p on p.id = m.live_pair_id and p.kind = 'photo'
                   and (coalesce(m.content_identifier, '') <> '' and m.content_identifier = p.content_identifier
                        or (coalesce(m.content_identifier, '') = '' or coalesce(p.content_identifier, '') = '')
                           and lower(regexp_replace(m.original_name, '\\.[^.]*$', ''))
                               = lower(regexp_replace(p.original_name, '\\.[^.]*$', '')) || '_hevc')
                  left join lateral (select state, asset_record, account, dry_run from icloud_removals
                                      where media_file_id = p.id and (not dry_run or ?) order by id desc limit 1) r on true
                 where m.id = ? and m.kind = 'video'""",
                (rs, n) -> new Still(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getBoolean(5)), dryRun, mediaFileId);
        if (still.isEmpty()) {
            return Optional.empty();
        }
        Still s = still.get(0);
        String with = "the movie of a Live Photo goes with its still's iCloud asset";
        if ("removed".equals(s.state()) && !s.dryRun()) {
            record(mediaFileId, s, "removed", with + " " + s.asset() + ", removed", false);
            return Optional.of(new Outcome(State.REMOVED, with + " " + s.asset() + ": in Recently Deleted"));
        }
        if (dryRun && "planned".equals(s.state())) {
            record(mediaFileId, s, "planned", with + " " + s.asset() + " (dry run)", true);
            return Optional.of(new Outcome(State.WOULD_REMOVE, with + " " + s.asset()));
        }
        String why = with + ", which is not removed yet (still " + s.id() + ": "
                + (s.state() == null ? "not asked yet" : s.state()) + ")";
        record(mediaFileId, s, "refused", why, dryRun);
        return Optional.of(new Outcome(State.REFUSED, why));
    }

    private void record(UUID mediaFileId, Still s, String state, String reason, boolean dryRun) {
        sql.update("""
                insert into icloud_removals (media_file_id, account, asset_record, matched, state, reason, dry_run)
                values (?, ?, ?, 'the Live Photo still''s asset', ?, ?, ?)""",
                mediaFileId, s.account(), s.asset(), state, reason, dryRun);
    }
}
