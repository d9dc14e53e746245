package io.mediapipeline.archive;

import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ledger.LedgerSql;
import io.mediapipeline.ledger.MediaRecord;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import javax.sql.DataSource;

/**
 * Where a Live Photo half goes in the archive: both halves of a pair (media_files.live_pair_id) share one folder,
 * the photo's (photos/YYYY/MM/DD by the photo's capture date), and one name stem, e.g. IMG_0100.HEIC beside
 * IMG_0100.MOV. A half whose partner is placed already goes beside it, whatever folder and stem that one got (a
 * clash suffix, or a pair that was linked only after its first half was placed): a late half joins its pair where
 * the pair is, and nothing already in sorted/ moves. A movie that carries an Apple content identifier but has no
 * partner yet is the motion of a Live Photo whose still has not arrived: it is filed in photos/ by its own date
 * (the still's, to the second), so the still lands beside it later. A still never goes under videos/: a movie
 * without a content identifier that was filed before its still was linked to it sits in videos/ as an ordinary
 * video, and nothing in sorted/ moves, so the still is filed by its own date in photos/ and the split is said.
 */
final class LivePairs {

    /** The folder and file name for one file; {@code split} says why a pair's halves are not together, or null. */
    record Place(Path dir, String name, String split) {

        Place(Path dir, String name) {
            this(dir, name, null);
        }
    }

    private final Ledger ledger;
    private final LedgerSql sql;
    private final Path sorted;
    private final boolean useMtime;

    LivePairs(Ledger ledger, DataSource ds, Path sorted, boolean useMtime) {
        this.ledger = ledger;
        this.sql = new LedgerSql(ds);
        this.sorted = sorted;
        this.useMtime = useMtime;
    }

    private record Link(String contentId, String partnerSha) {
    }

    Place placeFor(MediaRecord m, OffsetDateTime now) {
        // the ledger's link, or else the one other half with the same Apple content identifier: ingest links a
        // pair right after the original is stored, and organize may already have the file by then
        List<Link> rows = sql.query("""
                select m.content_identifier,
                       coalesce(p.sha256, (select o.sha256 from media_files o
                                            where coalesce(m.content_identifier, '') <> ''
                                              and o.content_identifier = m.content_identifier and o.id <> m.id
                                              and o.kind in ('photo', 'video') and o.kind <> m.kind
                                              and o.live_pair_id is null and o.original_path is not null
                                            order by o.created_at limit 1))
                  from media_files m left join media_files p on p.id = m.live_pair_id where m.id = ?""",
                (rs, n) -> new Link(rs.getString(1), rs.getString(2)), m.id());
        Link link = rows.isEmpty() ? new Link(null, null) : rows.get(0);
        MediaRecord partner = link.partnerSha() == null ? null : ledger.find(link.partnerSha());
        boolean motion = m.kind().equals("video")
                && (partner != null || link.contentId() != null && !link.contentId().isBlank());
        // icloudpd names the movie of a HEIC still IMG_0100_HEVC.MOV: in the archive it takes the still's stem
        String name = motion ? ArchivePaths.nameFor(m).replaceFirst("(?i)_HEVC(\\.[^.]*)$", "$1") : ArchivePaths.nameFor(m);
        if (partner == null) {
            return new Place(ArchivePaths.folderFor(sorted, m, motion ? "photo" : m.kind(), useMtime, now), name);
        }
        if (partner.archivePath() != null) {
            Path there = Path.of(partner.archivePath());
            if (m.kind().equals("photo") && there.startsWith(sorted.resolve("videos"))) {
                return new Place(ArchivePaths.folderFor(sorted, m, m.kind(), useMtime, now), name,
                        "Live Photo split in the archive: its movie " + sorted.relativize(there)
                                + " was filed as a video before the two were linked; the still is filed by its own date");
            }
            return new Place(there.getParent(), withStem(name, stem(there.getFileName().toString())));
        }
        MediaRecord photo = m.kind().equals("photo") ? m : partner;
        return new Place(ArchivePaths.folderFor(sorted, photo, "photo", useMtime, now),
                withStem(name, stem(ArchivePaths.nameFor(photo))));
    }

    static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** The file's own extension under the pair's stem: IMG_0100_HEVC.MOV beside IMG_0100.HEIC becomes IMG_0100.MOV. */
    static String withStem(String name, String stem) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? stem + name.substring(dot) : stem;
    }
}
