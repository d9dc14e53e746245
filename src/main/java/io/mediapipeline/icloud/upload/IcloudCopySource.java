package io.mediapipeline.icloud.upload;

import io.mediapipeline.flow.CopySource;
import io.mediapipeline.icloud.removal.Removal;
import io.mediapipeline.icloud.web.IcloudWebException;
import io.mediapipeline.icloud.web.PhotosWeb;
import io.mediapipeline.icloud.web.PhotosWeb.Found;
import io.mediapipeline.ledger.LedgerSql;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * iCloud as a source of an original's bytes for the scrub's restore: the copy the upload proved there when it is
 * the original itself (compression kept it), else, for a file downloaded from iCloud, its original asset, found as
 * the removal finds it. A compressed copy is never offered. Sessions are the upload's; a blocked account is not asked.
 */
public class IcloudCopySource implements CopySource {

    private static final Logger LOG = LoggerFactory.getLogger(IcloudCopySource.class);

    private record Delivered(String state, String account, String asset, String sha256) {
    }

    private final Originals originals;
    private final LedgerSql sql;

    public IcloudCopySource(Originals originals) {
        this.originals = originals;
        this.sql = new LedgerSql(originals.dataSource());
    }

    @Override
    public String name() {
        return "icloud";
    }

    @Override
    public Optional<String> fetch(UUID mediaFileId, String sha256, long size, Path into) throws IOException {
        UploadParts p = originals.parts().get();
        Removal removal = originals.removal(originals.config());
        if (p == null || removal == null) {
            return Optional.empty();
        }
        List<Delivered> d = sql.query("""
                select state, account, asset_record, uploaded_sha256 from deliveries
                 where media_file_id = ? and target = 'icloud'""",
                (rs, n) -> new Delivered(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)), mediaFileId);
        try {
            if (!d.isEmpty() && "confirmed".equals(d.get(0).state()) && sha256.equals(d.get(0).sha256())) {
                Delivered up = d.get(0);
                PhotosWeb web = p.usable(up.account());
                Optional<Found> found = web.lookup(up.asset());
                Optional<String> copy = found.isPresent() && found.get().master() != null
                        ? download(web, up.account(), found.get(), "its upload", sha256, size, into) : Optional.empty();
                if (copy.isPresent()) {
                    return copy;
                }
            }
            Optional<Removal.Located> original = removal.locate(mediaFileId);
            if (original.isPresent()) {
                Removal.Located o = original.get();
                return download(p.usable(o.account()), o.account(), o.found(), "its original", sha256, size, into);
            }
        } catch (IcloudWebException e) {
            LOG.info("iCloud has no copy of {} to restore from now: {}", mediaFileId, e.getMessage());
        }
        return Optional.empty();
    }

    private static Optional<String> download(PhotosWeb web, String account, Found f, String which, String sha256,
                                             long size, Path into) throws IcloudWebException, IOException {
        PhotosWeb.Master m = f.master();
        if (m.size() != size) {
            LOG.info("iCloud {}: asset {} is {} bytes, not the original's {}: not a copy of it", account,
                    f.asset().recordName(), m.size(), size);
            return Optional.empty();
        }
        String got = web.download(m, into);
        if (!sha256.equals(got)) {
            // not the original's bytes: nothing of it is left for the caller to mistake for them
            Files.deleteIfExists(into);
            LOG.warn("iCloud {}: master {} downloaded with sha256 {}, not the original's {}", account, m.recordName(),
                    got, sha256);
            return Optional.empty();
        }
        return Optional.of("iCloud account " + account + ": " + which + ", asset " + f.asset().recordName()
                + " master " + m.recordName());
    }
}
