package io.mediapipeline.ingest;

import io.mediapipeline.ledger.Claim;
import io.mediapipeline.ledger.LedgerException;
import io.mediapipeline.ledger.LedgerSql;
import io.mediapipeline.media.MediaInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Links the photo and the video of a Live Photo in the ledger (media_files.live_pair_id, both ways), as
 * a step of the ingest route after a new original is stored. A pair is an unpaired photo and video with
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

    /** The ingest step. */
    public void pair(Exchange ex) {
        Claim claim = ex.getProperty(Ingest.CLAIM, Claim.class);
        MediaInfo info = ex.getProperty(Ingest.MEDIA_INFO, MediaInfo.class);
        if (claim == null || info == null) {
            return;
        }
        Path source = Path.of(ex.getIn().getHeader(Exchange.FILE_PATH, String.class)).toAbsolutePath();
        UUID partner = pair(claim.mediaId(), info.kind().name().toLowerCase(Locale.ROOT), info.contentIdentifier(),
                source.getParent() == null ? "" : source.getParent().toString(), stem(source.getFileName().toString()));
        if (partner != null) {
            LOG.info("Live Photo: {} paired with {}", source.getFileName(), partner);
        }
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
             order by created_at limit 1 for update""";

    /**
     * The unpaired other half from the same folder with the same name stem; the stem expression is the one
     * media_files_live_stem_idx holds, so this is an index probe too.
     */
    static final String BY_NAME = """
            select id from media_files
             where lower(regexp_replace(regexp_replace(original_name, '\\.[^.]*$', ''), '_hevc$', '', 'i')) = ?
               and live_pair_id is null and kind in ('photo', 'video') and id <> ? and kind <> ?
               and regexp_replace(source_path, '/[^/]*$', '') = ?
             order by created_at limit 1 for update""";

    /** One new original that may be half of a Live Photo: what {@link #pair} takes. */
    public record Half(UUID id, String kind, String contentId, String folder, String stem) {
    }

    /** Pairs the file with its partner if one is in the ledger; returns the partner's id or null. */
    public UUID pair(UUID id, String kind, String contentId, String folder, String stem) {
        return pairAll(List.of(new Half(id, kind, contentId, folder, stem))).get(0);
    }

    /**
     * Pairs each half, in order, with its partner if one is in the ledger, all in one transaction (one commit for a
     * whole ingest batch instead of one per file; a half sees the halves paired before it in the same list); returns
     * each half's partner id or null, in the halves' order.
     */
    public List<UUID> pairAll(List<Half> halves) {
        try {
            return sql.inTx(j -> {
                List<UUID> partners = new ArrayList<>(halves.size());
                for (Half h : halves) {
                    partners.add(pair(j, h));
                }
                return partners;
            });
        } catch (LedgerException e) {
            throw new LedgerException("live photo pairing: " + e.getMessage(), e);
        }
    }

    private static UUID pair(JdbcTemplate j, Half h) {
        List<UUID> found = h.contentId() == null ? List.of()
                : j.query(BY_CONTENT_ID, (rs, n) -> rs.getObject(1, UUID.class), h.contentId(), h.id(), h.kind());
        if (found.isEmpty()) {
            found = j.query(BY_NAME, (rs, n) -> rs.getObject(1, UUID.class), h.stem(), h.id(), h.kind(), h.folder());
        }
        if (found.isEmpty()) {
            return null;
        }
        UUID partner = found.get(0);
        link(j, h.id(), partner);
        link(j, partner, h.id());
        return partner;
    }

    private static void link(JdbcTemplate j, UUID from, UUID to) {
        j.update("update media_files set live_pair_id = ? where id = ? and live_pair_id is null", to, from);
    }
}
