package io.mediapipeline.ingest;

import io.mediapipeline.flow.Durable;
import io.mediapipeline.flow.FileStore;
import io.mediapipeline.ledger.BatchLedger;
import io.mediapipeline.ledger.Ledger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Ingest places (and fsyncs) a batch's originals and duplicates before the transaction that records them; a crash or
 * a failed commit in between leaves files in originals/ or duplicates/ that no row names. At start, such a file is
 * moved to trash/ingest-orphans/&lt;date&gt;/ (durably, logged), so every file is again in one known place. Only files
 * whose change time is older than the age limit are taken: another node sharing this folder may be mid-batch, its
 * files placed and its commit still to come.
 */
final class OrphanSweep {

    private static final Logger LOG = LoggerFactory.getLogger(OrphanSweep.class);

    /** Far longer than any batch takes from its first placed file to its commit. */
    static final Duration MIN_AGE = Duration.ofHours(1);

    private static final List<String> ROOTS = List.of("originals", "duplicates");
    /** More unnamed files than crashed batches leave (a few batches of pipeline.ingest.batch-size). */
    static final int MAX_ORPHANS = 1000;

    private final Path home;
    private final DataSource dataSource;
    private final Ledger ledger;
    private final BatchLedger batches;
    private final Duration minAge;

    OrphanSweep(Path home, DataSource dataSource, Ledger ledger, Duration minAge) {
        this.home = home.toAbsolutePath().normalize();
        this.dataSource = dataSource;
        this.ledger = ledger;
        this.batches = new BatchLedger(dataSource);
        this.minAge = minAge;
    }

    /** Moves every unrecorded file changed before {@code now} minus the age limit; returns how many. */
    int sweep(Instant now) throws IOException {
        Set<String> known = known();
        Instant before = now.minus(minAge);
        List<Path> orphans = new ArrayList<>();
        for (String root : ROOTS) {
            Path dir = home.resolve(root);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    if (orphan(p, known, before)) {
                        orphans.add(p);
                    }
                }
            }
        }
        if (orphans.size() > MAX_ORPHANS) {
            // crashed batches leave a few; this many means the rows name the files otherwise (pipeline.home moved,
            // reached through another path): moving them all would empty the archive into trash/
            String msg = orphans.size() + " files in originals/ and duplicates/ are named by no ledger row (for example "
                    + orphans.get(0) + "); more than " + MAX_ORPHANS + " is not what a crash leaves, so none was moved: "
                    + "check that pipeline.home is the folder the ledger's paths name";
            LOG.error("{}", msg);
            ledger.log(null, "ingest", "error", msg, null, null);
            return 0;
        }
        Path trash = home.resolve("trash").resolve("ingest-orphans")
                .resolve(LocalDate.ofInstant(now, ZoneOffset.UTC).toString());
        int moved = 0;
        for (Path p : orphans) {
            // named meanwhile (another node's batch committed it since the first look): it stays
            if (!batches.names(p.toString())) {
                moveToTrash(p, trash.resolve(home.relativize(p)));
                moved++;
            }
        }
        return moved;
    }

    /** One query: every path under originals/ and duplicates/ a row names. */
    private Set<String> known() {
        String originals = home.resolve("originals") + "/";
        String duplicates = home.resolve("duplicates") + "/";
        Set<String> known = new HashSet<>();
        new JdbcTemplate(dataSource).query("""
                select original_path from media_files where starts_with(original_path, ?)
                union all
                select duplicate_path from duplicate_files where starts_with(duplicate_path, ?)""",
                rs -> {
                    known.add(rs.getString(1));
                }, originals, duplicates);
        return known;
    }

    private static boolean orphan(Path p, Set<String> known, Instant before) throws IOException {
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || known.contains(p.toString())
                || p.getFileName().toString().endsWith(FileStore.TEMP_SUFFIX)) {
            return false; // temp files are the start-up reconciler's
        }
        FileTime changed = (FileTime) Files.getAttribute(p, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
        return changed.toInstant().isBefore(before);
    }

    /** A rename on the same disk: the new entry is durable before the old one's removal is. */
    private void moveToTrash(Path file, Path target) throws IOException {
        Durable.createDirectories(target.getParent());
        Path free = target;
        for (int n = 1; Files.exists(free, LinkOption.NOFOLLOW_LINKS); n++) {
            free = target.resolveSibling(n + "_" + target.getFileName());
        }
        Files.move(file, free, StandardCopyOption.ATOMIC_MOVE);
        Durable.syncDir(free.getParent());
        Durable.syncDir(file.getParent());
        String msg = "no ledger row names " + file + " (placed by a batch that never committed); moved to " + free;
        LOG.warn("Ingest orphan: {}", msg);
        ledger.log(null, "ingest", "warn", msg, null, file.toString());
    }
}
