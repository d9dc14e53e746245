package io.mediapipeline.ingest;

import io.mediapipeline.flow.FileStore;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ledger.SourceAdmission;
import io.mediapipeline.media.BadMediaException;
import io.mediapipeline.media.Extensions;
import io.mediapipeline.media.Hasher;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What ingest does to one file, for {@link IngestBatch}: its source key, hash and probe (the extension held against
 * the content), and placing it as an original or a duplicate. The names of the exchange properties the ingest
 * route sets for the steps after a batch (the error handlers' quarantine) are here too.
 */
public class Ingest {

    private static final Logger LOG = LoggerFactory.getLogger(Ingest.class);
    private static final DateTimeFormatter ORIGINAL_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss");

    public static final String SOURCE = "source";
    public static final String SOURCE_FILE_ID = "sourceFileId";
    public static final String SHA256 = "sha256";
    public static final String MEDIA_INFO = "mediaInfo";

    private final Ledger ledger;
    private final MediaProbe probe;
    private final RunContext run;
    private final Path originals;
    private final Path duplicates;
    private final boolean fixWrongExtension;

    public Ingest(Ledger ledger, MediaProbe probe, RunContext run, Path home, boolean fixWrongExtension) {
        this.ledger = ledger;
        this.probe = probe;
        this.run = run;
        this.originals = home.resolve("originals");
        this.duplicates = home.resolve("duplicates");
        this.fixWrongExtension = fixWrongExtension;
    }

    /** An input's identity in the ledger: source, path, size and modification time. */
    public static String sourceKey(String source, Path file, long size, long mtime) {
        return source + ":" + file + "|" + size + "|" + mtime;
    }

    /** What the source key of every input under folder starts with. */
    public static String sourceKeyPrefix(String source, Path folder) {
        String dir = folder.toString();
        return source + ":" + (dir.endsWith("/") ? dir : dir + "/");
    }

    /** Records the input (one row per source, path, size and modification time); says whether a run finished it. */
    public SourceAdmission admission(String source, Path file) throws IOException {
        long size = Files.size(file);
        long mtime = Files.getLastModifiedTime(file).toMillis();
        return ledger.admitSource(run.runId(), source, sourceKey(source, file, size, mtime), file.toString(), size);
    }

    /** The content's sha256 with the size and modification time the file had when it was read. */
    public record Hashed(String sha256, long size, long mtime) {
    }

    public static Hashed hash(Path file) throws IOException {
        BasicFileAttributes before = Files.readAttributes(file, BasicFileAttributes.class);
        return new Hashed(Hasher.sha256(file), before.size(), before.lastModifiedTime().toMillis());
    }

    /** What the file is (format, capture time, size in pixels): bad media throws. */
    public MediaInfo inspect(Path file) throws IOException, BadMediaException {
        return probe.inspect(file, null);
    }

    /** Inspects the file and holds its extension against its content (fixed or refused, as configured). */
    public MediaInfo checkedInspect(Path file) throws IOException, BadMediaException {
        MediaInfo info = inspect(file);
        String ext = extensionOf(file.getFileName().toString());
        if (!matchesContent(ext, info)) {
            String msg = "named ." + ext + " but the content is " + info.format().toUpperCase(Locale.ROOT);
            if (!fixWrongExtension) {
                throw new BadMediaException("wrong extension: " + msg);
            }
            LOG.warn("{}: {}; archived as .{}", file, msg, info.extension());
            ledger.log(run.runId(), "ingest", "warn", msg + "; archived as ." + info.extension(), null, file.toString());
        }
        return info;
    }

    /**
     * Copies (or, for inbox files we own, links) the input into originals/ under its capture time and hash, read-only.
     * The folder entry is not fsynced here: the batch syncs each folder it touched once, before it records anything.
     * A copy is hashed on the way and refused if it differs from what was hashed.
     */
    public Path placeOriginal(Path file, String sha, MediaInfo info, boolean mayLink) throws IOException {
        Path dir;
        String name;
        if (info.captureTime() != null) {
            var t = info.captureTime().value();
            dir = originals.resolve(String.format("%04d/%02d", t.getYear(), t.getMonthValue()));
            name = ORIGINAL_STAMP.format(t) + "_" + sha.substring(0, 12) + "." + info.extension();
        } else {
            dir = originals.resolve("undated");
            name = sha.substring(0, 12) + "." + info.extension();
        }
        Path original = FileStore.place(file, dir, name, sha, mode(mayLink), true, false);
        LOG.info("Ingested {} -> {}", file, original);
        return original;
    }

    /** A second copy of known content: kept in duplicates/ (durable as {@link #placeOriginal}). */
    public Path placeDuplicate(Path file, String sha, boolean mayLink) throws IOException {
        Path dir = duplicates.resolve(sha.substring(0, 2));
        Path copy = FileStore.place(file, dir, sha.substring(0, 12) + "_" + file.getFileName(), sha, mode(mayLink), false, false);
        LOG.info("Duplicate {} (same content as known content {}) -> {}", file, sha.substring(0, 12), copy);
        return copy;
    }

    static FileStore.Mode mode(boolean mayLink) {
        // Inbox files belong to the pipeline and are removed after ingest, so a link is a zero-copy move;
        // files in a user's folder are copied, so later edits there can never change the archive.
        return mayLink ? FileStore.Mode.LINK_OR_COPY : FileStore.Mode.COPY;
    }

    static FileStore.Mode mode(Exchange ex) {
        return mode(ex.getProperty("mayLink", false, Boolean.class));
    }

    static Path sourcePath(Exchange ex) {
        return Path.of(ex.getIn().getHeader(Exchange.FILE_PATH, String.class)).toAbsolutePath();
    }

    static String extensionOf(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** Whether a file's extension is an accepted spelling of its content's format. */
    static boolean matchesContent(String ext, MediaInfo info) {
        return Extensions.sameFamily(ext, info.extension());
    }
}
