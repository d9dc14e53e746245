package io.mediapipeline.ingest;

import io.mediapipeline.ledger.LedgerException;
import io.mediapipeline.ledger.LedgerSql;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Links the photo and the video of a Live Photo in the ledger (media_files.live_pair_id, both ways), after
 * an ingest batch commits its new originals. A pair is an unpaired photo and video with
 * the same Apple content identifier (QuickTime Keys:ContentIdentifier = the image's MakerNote
 * MediaGroupUUID), or, without one, from the same folder with the same name stem: IMG_0100.HEIC with
 * IMG_0100_HEVC.MOV (icloudpd's suffix policy) or IMG_0100.MOV.
 */
public class LivePhotos {

    private static final Logger LOG = LoggerFactory.getLogger(LivePhotos.class);

    private final LedgerSql sql;

    public LivePhotos(DataSource ds) {
        this.sql = new LedgerSql(ds);
    }

    static String stem(String name) {
        int dot = name.lastIndexOf('.');
        String s = dot > 0 ? name.substring(0, dot) : name;
        return s.replaceFirst("(?i)_HEVC$", "").toLowerCase(Locale.ROOT);
    }

    /** The unpaired other half with the same Apple content identifier (an index probe), oldest first. */
    private static final String BY_CONTENT_ID = """
            select id from media_files
             where content_identifier = ? and id <> ? and kind <> ? and kind in ('photo', 'video') and live_pair_id is null
             order by created_at limit 1""";

    /**
     * The unpaired other half from the same folder with the same name stem, unless the two carry different Apple
     * content identifiers (then they are two Live Photos, or a Live Photo and an unrelated clip, that share a
     * name). The stem expression is the one media_files_live_stem_idx holds, so this is an index probe too; the
     * identifier test only filters what the probe found.
     */
    static final String BY_NAME = """
            select id from media_files
             where lower(regexp_replace(regexp_replace(original_name, '\\.[^.]*$', ''), '_hevc$', '', 'i')) = ?
               and live_pair_id is null and kind in ('photo', 'video') and id <> ? and kind <> ?
               and regexp_replace(source_path, '/[^/]*$', '') = ?
               and (?::text is null or coalesce(content_identifier, '') = '' or content_identifier = ?)
             order by created_at limit 1""";

    /** One new original that may be half of a Live Photo: what {@link #pairAll} takes. */
    public record Half(UUID id, String kind, String contentId, String folder, String stem) {
    }

    /**
     * Pairs each half, in order, with its partner if one is in the ledger, all in one transaction (one commit for a
     * whole ingest batch; a half sees the halves paired before it in the same list); returns each half's partner id or
     * null, in the halves' order. If another pairing took a partner meanwhile (or the database broke a lock cycle
     * between two such batches), each half is paired again on its own.
     */
    public List<UUID> pairAll(List<Half> halves) {
        try {
            return sql.inTx(j -> {
                List<UUID> partners = new ArrayList<>(halves.size());
                for (Half h : halves) {
                    partners.add(tryPair(j, h.id(), h.kind(), blankToNull(h.contentId()), h.folder(), h.stem()));
                }
                return partners;
            });
        } catch (Raced | LedgerException e) {
            List<UUID> partners = new ArrayList<>(halves.size());
            for (Half h : halves) {
                partners.add(pair(h.id(), h.kind(), h.contentId(), h.folder(), h.stem()));
            }
            return partners;
        }
    }

    private static String blankToNull(String contentId) {
        return contentId == null || contentId.isBlank() ? null : contentId;
    }

    /**
     * Pairs the file with its partner if one is in the ledger; returns the partner's id or null. Two halves that
     * arrive at once may both pick the same partner: both rows are locked in id order (no deadlock between two
     * pairings) and both links must be written, else the attempt rolls back and looks once more (the partner taken
     * by the other pairing is not a candidate any more); a second lost race leaves the file unpaired.
     */
    public UUID pair(UUID id, String kind, String contentId, String folder, String stem) {
        String cid = blankToNull(contentId);
        for (int attempt = 1; ; attempt++) {
            try {
                return sql.inTx(j -> tryPair(j, id, kind, cid, folder, stem));
            } catch (Raced e) {
                if (attempt == 2) {
                    LOG.warn("Live Photo: {} left unpaired, its partner was taken by another pairing twice", stem);
                    return null;
                }
            } catch (LedgerException e) {
                throw new LedgerException("live photo pairing: " + e.getMessage(), e);
            }
        }
    }

    private static UUID tryPair(JdbcTemplate j, UUID id, String kind, String cid, String folder, String stem) {
        List<UUID> found = cid == null ? List.of()
                : j.query(BY_CONTENT_ID, (rs, n) -> rs.getObject(1, UUID.class), cid, id, kind);
        if (found.isEmpty()) {
            found = j.query(BY_NAME, (rs, n) -> rs.getObject(1, UUID.class), stem, id, kind, folder, cid, cid);
        }
        if (found.isEmpty()) {
            return null;
        }
        UUID partner = found.get(0);
        j.query("select id from media_files where id in (?, ?) order by id for update", (rs, n) -> null, id, partner);
        if (link(j, id, partner) != 1 || link(j, partner, id) != 1) {
            throw new Raced();
        }
        return partner;
    }

    private static int link(JdbcTemplate j, UUID from, UUID to) {
        return j.update("update media_files set live_pair_id = ? where id = ? and live_pair_id is null", to, from);
    }

    /** Another pairing linked one of the two halves first: this transaction rolls back. */
    private static final class Raced extends RuntimeException {
        Raced() {
            super(null, null, false, false);
        }
    }
}
