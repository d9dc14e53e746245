package io.mediapipeline.pixel;

import io.mediapipeline.ledger.LedgerSql;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The Pixel target's SQL: batches and deliveries with target 'pixel'. One transaction per method,
 * each safe to repeat after a crash; state changes reach file_events through the ledger's triggers.
 */
public class PixelLedger {

    public record Batch(UUID id, String name, int fileCount, long totalBytes) {
    }

    /** A staged file not yet proven on the phone. */
    public record Pending(long id, UUID mediaId, UUID batchId, String batchName, String stagedPath, long size,
                          String stagedVersion, boolean scanned, String lastCheck) {
    }

    /** A media file the Pixel has not been given yet (for restart recovery). */
    public record Missing(String sha256, String extension, String originalPath) {
    }

    private final LedgerSql sql;

    public PixelLedger(DataSource ds) {
        this.sql = new LedgerSql(ds);
    }

    public boolean hasDelivery(UUID mediaId) {
        return !sql.query("select 1 from deliveries where media_file_id = ? and target = 'pixel'", (rs, n) -> 1, mediaId)
                .isEmpty();
    }

    public Batch openBatch() {
        List<Batch> open = batches("status = 'open' order by created_at limit 1");
        return open.isEmpty() ? null : open.get(0);
    }

    public List<Batch> openBatches() {
        return batches("status = 'open' order by created_at");
    }

    /** Closed batches whose scan has not been requested successfully yet. */
    public List<Batch> unscannedBatches() {
        return batches("status = 'staged' and scanned_at is null order by created_at");
    }

    private List<Batch> batches(String where) {
        return sql.query("select id, name, file_count, total_bytes from batches where target = 'pixel' and " + where,
                (rs, n) -> new Batch(rs.getObject(1, UUID.class), rs.getString(2), rs.getInt(3), rs.getLong(4)));
    }

    public Batch createBatch(String name, String folder) {
        UUID id = sql.inTx(j -> j.queryForObject(
                "insert into batches (target, status, folder, name) values ('pixel', 'open', ?, ?) returning id",
                UUID.class, folder, name));
        return new Batch(id, name, 0, 0);
    }

    private static final String ADD_DELIVERY = """
            insert into deliveries (media_file_id, target, batch_id, state, staged_path, staged_size, delivered_as,
                                    delivered_sha256, delivered_with)
            values (?, 'pixel', ?, 'staged', ?, ?, ?, ?, ?) on conflict (media_file_id, target) do nothing""";
    private static final String COUNT_FILE =
            "update batches set file_count = file_count + 1, total_bytes = total_bytes + ? where id = ?";

    /** Records the staged file and counts it into its batch; false if the file already had a delivery. */
    public boolean addDelivery(UUID mediaId, UUID batchId, String stagedPath, long size) {
        return sql.inTx(j -> addDelivery(j, mediaId, batchId, stagedPath, size));
    }

    private static boolean addDelivery(JdbcTemplate j, UUID mediaId, UUID batchId, String stagedPath, long size) {
        int n = j.update(ADD_DELIVERY, mediaId, batchId, stagedPath, size, "original", null, null);
        if (n == 1) {
            j.update(COUNT_FILE, size, batchId);
        }
        return n == 1;
    }

    /**
     * Records one Motion Photo as the delivery of both halves of a Live Photo (one transaction), and counts it into
     * its batch once; false if neither half was new.
     */
    public boolean addMotionPhoto(UUID still, UUID movie, UUID batchId, String stagedPath, long size, String sha256) {
        return sql.inTx(j -> {
            int n = j.update(ADD_DELIVERY, still, batchId, stagedPath, size, "motion-photo", sha256, movie)
                    + j.update(ADD_DELIVERY, movie, batchId, stagedPath, size, "motion-photo", sha256, still);
            if (n > 0) {
                j.update(COUNT_FILE, size, batchId);
            }
            return n > 0;
        });
    }

    /** A Motion Photo the ledger has staged for the phone: its place and its bytes (for the start-up's recovery). */
    public record StagedMotionPhoto(String stagedPath, String sha256) {
    }

    public List<StagedMotionPhoto> stagedMotionPhotos() {
        return sql.query("""
                select distinct staged_path, delivered_sha256 from deliveries
                 where target = 'pixel' and delivered_as = 'motion-photo' and state = 'staged'""",
                (rs, n) -> new StagedMotionPhoto(rs.getString(1), rs.getString(2)));
    }

    /** open -> staged: no file will be added any more. True if this call closed it. */
    public boolean closeBatch(UUID batchId) {
        return sql.update("update batches set status = 'staged', closed_at = now() where id = ? and status = 'open'",
                batchId) == 1;
    }

    public void deleteEmptyBatch(UUID batchId) {
        sql.update("delete from batches where id = ? and status = 'open' and file_count = 0", batchId);
    }

    public void markScanned(UUID batchId) {
        sql.update("update batches set scanned_at = now(), scan_error = null where id = ?", batchId);
    }

    public void markScanFailed(UUID batchId, String error) {
        sql.update("update batches set scan_error = ? where id = ?", error, batchId);
    }

    /** Bytes staged for the phone and not yet proven there (the back-pressure measure). */
    public long unconfirmedBytes() {
        return outstanding().bytes();
    }

    /**
     * The other half of a Live Photo (media_files.live_pair_id): its sha256, its Pixel batch if it has a
     * delivery (null if not), and whether it carries an Apple content identifier.
     */
    public record Partner(UUID id, String sha256, UUID batchId) {
    }

    /** The Live Photo partner of a media file that is stored as an original, or null. */
    public Partner partnerOf(UUID mediaId) {
        List<Partner> partner = sql.query("""
                select p.id, p.sha256, d.batch_id from media_files m
                  join media_files p on p.id = m.live_pair_id
                  left join deliveries d on d.media_file_id = p.id and d.target = 'pixel'
                 where m.id = ? and p.status in ('ingested', 'archived', 'verified', 'cleaned') and p.original_path is not null""",
                (rs, n) -> new Partner(rs.getObject(1, UUID.class), rs.getString(2), rs.getObject(3, UUID.class)), mediaId);
        return partner.isEmpty() ? null : partner.get(0);
    }

    /**
     * Seconds since a not-yet-paired Live Photo half (it has an Apple content identifier and no
     * live_pair_id) was stored, or -1 when the file is paired or is no Live Photo half.
     */
    public long unpairedLiveHalfAgeSeconds(UUID mediaId) {
        List<Long> age = sql.query("""
                select extract(epoch from now() - created_at)::bigint from media_files
                 where id = ? and live_pair_id is null and content_identifier is not null and content_identifier <> ''""",
                (rs, n) -> rs.getLong(1), mediaId);
        return age.isEmpty() ? -1L : age.get(0);
    }

    /** Staged for the phone and not yet proven there: how many files, how many bytes. */
    public record Outstanding(long files, long bytes) {
    }

    public Outstanding outstanding() {
        // files, not rows: the two halves of a Motion Photo are one file on the phone
        return sql.inTx(j -> j.queryForObject("""
                select count(*), coalesce(sum(staged_size), 0)
                  from (select distinct staged_path, staged_size from deliveries
                         where target = 'pixel' and state = 'staged') f""",
                (rs, n) -> new Outstanding(rs.getLong(1), rs.getLong(2))));
    }

    public long unconfirmedCount() {
        return outstanding().files();
    }

    /** Unconfirmed deliveries of closed batches with an id above afterId, in id order (callers rotate through). */
    public List<Pending> unconfirmed(long afterId, int limit) {
        return sql.query("""
                select d.id, d.media_file_id, d.batch_id, b.name, d.staged_path, d.staged_size,
                       d.staged_version::text, b.scanned_at is not null, d.last_check
                  from deliveries d join batches b on b.id = d.batch_id
                 where d.target = 'pixel' and d.state = 'staged' and b.status <> 'open' and d.id > ?
                 order by d.id
                 limit ?""",
                (rs, n) -> new Pending(rs.getLong(1), rs.getObject(2, UUID.class), rs.getObject(3, UUID.class),
                        rs.getString(4), rs.getString(5), rs.getLong(6), rs.getString(7), rs.getBoolean(8), rs.getString(9)),
                afterId, limit);
    }

    /** The outcome of one check of one delivery: confirmed with evidence, or why not (no state change). */
    public record Check(long deliveryId, UUID batchId, boolean confirmed, String outcomeOrEvidence, String stagedVersion) {
    }

    /**
     * Writes one pass's outcomes in one transaction (one commit, not one per file): staged -> confirmed
     * with evidence and a hold of holdDays before cleanup may touch the file; otherwise the reason; and
     * a batch whose every delivery is confirmed becomes confirmed. Returns how many were confirmed.
     */
    public int record(List<Check> checks, double holdDays) {
        if (checks.isEmpty()) {
            return 0;
        }
        return sql.inTx(j -> {
            int confirmed = 0;
            Set<UUID> batches = new HashSet<>();
            List<Object[]> notes = new ArrayList<>();
            for (Check ch : checks) {
                if (ch.confirmed()) {
                    confirmed += j.update("""
                            update deliveries set state = 'confirmed', evidence = ?::jsonb, confirmed_at = now(),
                                   hold_until = now() + ? * interval '1 day', last_check = 'confirmed',
                                   last_checked_at = now(), last_error = null, updated_at = now()
                             where id = ? and state = 'staged'""", ch.outcomeOrEvidence(), holdDays, ch.deliveryId());
                    batches.add(ch.batchId());
                } else {
                    notes.add(new Object[] {ch.outcomeOrEvidence(), ch.deliveryId()});
                }
            }
            j.batchUpdate("""
                    update deliveries set last_check = ?, last_checked_at = now(), attempts = attempts + 1, updated_at = now()
                     where id = ? and state = 'staged'""", notes);
            j.batchUpdate("update deliveries set staged_version = ?::jsonb where id = ? and staged_version is null",
                    checks.stream().filter(ch -> ch.stagedVersion() != null)
                            .map(ch -> new Object[] {ch.stagedVersion(), ch.deliveryId()}).toList());
            for (UUID b : batches) {
                j.update("""
                        update batches set status = 'confirmed', completed_at = now()
                         where id = ? and status = 'staged'
                           and not exists (select 1 from deliveries d where d.batch_id = batches.id and d.state <> 'confirmed')""",
                        b);
            }
            return confirmed;
        });
    }

    /** Every Pixel staged path the ledger names, as "batch folder/file name" (the home may have moved since). */
    public Set<String> stagedNames() {
        Set<String> names = new HashSet<>();
        sql.each("select staged_path from deliveries where target = 'pixel' and staged_path is not null", rs -> {
            Path p = Path.of(rs.getString(1));
            names.add(p.getParent().getFileName() + "/" + p.getFileName());
        });
        return names;
    }

    /** The Pixel batches by their folder's name. */
    public Map<String, UUID> batchesByName() {
        Map<String, UUID> ids = new HashMap<>();
        sql.each("select name, id from batches where target = 'pixel'", rs -> ids.put(rs.getString(1),
                rs.getObject(2, UUID.class)));
        return ids;
    }

    /** Stored content (media_files m) that may go to the Pixel and has no delivery there yet. */
    private static final String UNDELIVERED = """
             m.status in ('ingested', 'archived', 'verified', 'cleaned') and m.original_path is not null
               and not exists (select 1 from deliveries d where d.media_file_id = m.id and d.target = 'pixel')""";

    /** Whether some content of this size may go to the Pixel and has no delivery there yet (before hashing a file). */
    public boolean undeliveredOfSize(long size) {
        return !sql.query("select 1 from media_files m where " + UNDELIVERED + " and m.size = ? limit 1", (rs, n) -> 1,
                size).isEmpty();
    }

    /** The stored content with these bytes if it may go to the Pixel and has no delivery there yet; else null. */
    public UUID undelivered(String sha256) {
        List<UUID> ids = sql.query("select m.id from media_files m where " + UNDELIVERED + " and m.sha256 = ?",
                (rs, n) -> rs.getObject(1, UUID.class), sha256);
        return ids.isEmpty() ? null : ids.get(0);
    }

    /**
     * Records a copy found in a batch folder as the delivery of its content (as {@link #addDelivery}); a batch the
     * phone had all of is waiting for proof again.
     */
    public boolean adopt(UUID mediaId, UUID batchId, String stagedPath, long size) {
        return sql.inTx(j -> {
            if (!addDelivery(j, mediaId, batchId, stagedPath, size)) {
                return false;
            }
            j.update("update batches set status = 'staged', completed_at = null where id = ? and status = 'confirmed'",
                    batchId);
            return true;
        });
    }

    /** Ingested or archived content that has no Pixel delivery yet. */
    public List<Missing> withoutDelivery() {
        return sql.query("select m.sha256, m.extension, m.original_path from media_files m where " + UNDELIVERED
                        + " order by m.created_at",
                (rs, n) -> new Missing(rs.getString(1), rs.getString(2), rs.getString(3)));
    }

    /**
     * A Pixel delivery as the verify's re-check reads it; deliveredAs 'motion-photo' when the phone's file is the
     * Motion Photo made of this half and deliveredWith (deliveredSha256 is then that file's SHA-256).
     */
    public record Delivered(UUID mediaId, String state, String lastError, String lastCheck, Instant confirmedAt,
                            Instant holdUntil, String batchName, String stagedPath, long size, String stagedVersion,
                            String deliveredAs, String deliveredSha256, UUID deliveredWith) {
    }

    /** The Pixel deliveries of the given media files (files without one are not in the map). */
    public Map<UUID, Delivered> deliveries(Collection<UUID> mediaIds) {
        if (mediaIds.isEmpty()) {
            return Map.of();
        }
        List<Delivered> rows = sql.inTx(j -> j.query("""
                select d.media_file_id, d.state, d.last_error, d.last_check, d.confirmed_at, d.hold_until, b.name,
                       d.staged_path, d.staged_size, d.staged_version::text, d.delivered_as, d.delivered_sha256,
                       d.delivered_with
                  from deliveries d left join batches b on b.id = d.batch_id
                 where d.target = 'pixel' and d.media_file_id = any(?)""",
                ps -> ps.setArray(1, ps.getConnection().createArrayOf("uuid", mediaIds.toArray())),
                (rs, n) -> new Delivered(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4),
                        instant(rs.getTimestamp(5)), instant(rs.getTimestamp(6)), rs.getString(7), rs.getString(8),
                        rs.getLong(9), rs.getString(10), rs.getString(11), rs.getString(12),
                        rs.getObject(13, UUID.class))));
        Map<UUID, Delivered> byId = new HashMap<>();
        rows.forEach(d -> byId.put(d.mediaId(), d));
        return byId;
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    public void log(Long runId, String level, String message, UUID mediaId, String path) {
        log(runId, "pixel", level, message, mediaId, path);
    }

    /**
     * A line under its own stage name: stage 'pixel' warnings say that delivery is stuck (the run report reads
     * them so), which a Live Photo sent as two files instead of one Motion Photo ('pixel-motion') is not.
     */
    public void log(Long runId, String stage, String level, String message, UUID mediaId, String path) {
        sql.update("""
                insert into pipeline_logs (run_id, stage, level, message, media_file_id, source_path)
                values (?, ?, ?, ?, ?, ?)""", runId, stage, level, message, mediaId, path);
    }
}
