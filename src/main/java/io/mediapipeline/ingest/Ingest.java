package io.mediapipeline.ingest;

import io.mediapipeline.flow.FileStore;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.flow.SourceChangedException;
import io.mediapipeline.ledger.Claim;
import io.mediapipeline.ledger.InputLedger;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ledger.SourceAdmission;
import io.mediapipeline.media.BadMediaException;
import io.mediapipeline.media.Extensions;
import io.mediapipeline.media.Hasher;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of the ingest route (routes/20-ingest.camel.yaml): admit the input, hash it, probe it,
 * claim its content in the ledger, then store it as an original or as a duplicate. State travels in
 * exchange properties; the route's choice reads the {@code duplicate} header.
 */
public class Ingest {

    private static final Logger LOG = LoggerFactory.getLogger(Ingest.class);
    private static final DateTimeFormatter ORIGINAL_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss");

    public static final String SOURCE = "source";
    public static final String SOURCE_FILE_ID = "sourceFileId";
    public static final String SHA256 = "sha256";
    public static final String MEDIA_INFO = "mediaInfo";
    public static final String CLAIM = "claim";
    /** Where the input was placed in originals/ (what the next stages get). */
    public static final String ORIGINAL = "originalPath";
    /** Size and modification time of the input when it was hashed (what a link is checked against). */
    public static final String HASHED_SIZE = "hashedSize";
    public static final String HASHED_MTIME = "hashedMtime";

    private final Ledger ledger;
    private final InputLedger inputs;
    private final MediaProbe probe;
    private final Handoff handoff;
    private final RunContext run;
    private final Path originals;
    private final Path duplicates;
    private final boolean fixWrongExtension;

    public Ingest(Ledger ledger, MediaProbe probe, Handoff handoff, RunContext run, Path home, boolean fixWrongExtension) {
        this.ledger = ledger;
        this.inputs = new InputLedger(ledger.dataSource());
        this.probe = probe;
        this.handoff = handoff;
        this.run = run;
        this.originals = home.resolve("originals");
        this.duplicates = home.resolve("duplicates");
        this.fixWrongExtension = fixWrongExtension;
    }

    /** Records the input (one row per source, path, size and modification time); says whether a run finished it. */
    public SourceAdmission admission(String source, Path file) throws IOException {
        long size = Files.size(file);
        long mtime = Files.getLastModifiedTime(file).toMillis();
        String key = source + ":" + file + "|" + size + "|" + mtime;
        return ledger.admitSource(run.runId(), source, key, file.toString(), size);
    }

    /** Records the input; marks the exchange to skip if an earlier run already finished it. */
    public void admit(Exchange ex) throws IOException {
        Path file = sourcePath(ex);
        SourceAdmission admission = admission(ex.getProperty(SOURCE, "folder", String.class), file);
        ex.setProperty(SOURCE_FILE_ID, admission.sourceFileId());
        boolean done = admission.alreadyDone();
        if (done) {
            String problem = CopyCheck.problem(inputs.recordedCopy(admission.sourceFileId()), file);
            if (problem != null && inputs.reopen(admission.sourceFileId(), "recorded as done, but " + problem)) {
                LOG.warn("{} was recorded as done, but {}; ingesting it again instead of letting it go", file, problem);
                ledger.log(run.runId(), "ingest", "warn", "recorded as done, but " + problem + "; ingesting it again",
                        null, file.toString());
                done = false;
            }
        }
        ex.getIn().setHeader("alreadyDone", done);
    }

    /** The content's sha256 with the size and modification time the file had when it was read. */
    public record Hashed(String sha256, long size, long mtime) {
    }

    public static Hashed hash(Path file) throws IOException {
        BasicFileAttributes before = Files.readAttributes(file, BasicFileAttributes.class);
        return new Hashed(Hasher.sha256(file), before.size(), before.lastModifiedTime().toMillis());
    }

    public void hash(Exchange ex) throws IOException {
        Hashed hashed = hash(sourcePath(ex));
        ex.setProperty(SHA256, hashed.sha256());
        ex.setProperty(HASHED_SIZE, hashed.size());
        ex.setProperty(HASHED_MTIME, hashed.mtime());
    }

    /** What the file is (format, capture time, size in pixels): bad media throws. */
    public MediaInfo inspect(Path file) throws IOException, BadMediaException {
        return probe.inspect(file, null);
    }

    /** Inspects the file and holds its extension against its content (fixed or refused, as configured). */
    public void probe(Exchange ex) throws IOException, BadMediaException {
        Path file = sourcePath(ex);
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
        ex.setProperty(MEDIA_INFO, info);
    }

    /** Claims the content by its hash: new content, or a copy of content the ledger knows. */
    public Claim claim(String sha256, long size, MediaInfo info, String source, Path file) {
        return ledger.claim(sha256, size, info, source, file.getFileName().toString(), file.toString());
    }

    /** A copy of known content whose original is gone takes the original's place. */
    public void claim(Exchange ex) {
        Path file = sourcePath(ex);
        MediaInfo info = ex.getProperty(MEDIA_INFO, MediaInfo.class);
        Claim claim = claim(ex.getProperty(SHA256, String.class), sizeOf(file), info, ex.getProperty(SOURCE, "folder", String.class), file);
        if (claim.duplicate() && claim.existingOriginalPath() != null
                && !Files.isRegularFile(Path.of(claim.existingOriginalPath()), LinkOption.NOFOLLOW_LINKS)) {
            LOG.warn("The original {} is missing; {} takes its place", claim.existingOriginalPath(), file);
            claim = new Claim(Claim.Outcome.RESUME, claim.mediaId(), claim.existingOriginalPath());
        }
        ex.setProperty(CLAIM, claim);
        ex.getIn().setHeader("duplicate", claim.duplicate());
    }

    /** Copies (or, for inbox files we own, links) the input into originals/; the route then hands it on. */
    public void storeOriginal(Exchange ex) throws IOException {
        Path file = sourcePath(ex);
        MediaInfo info = ex.getProperty(MEDIA_INFO, MediaInfo.class);
        String sha = ex.getProperty(SHA256, String.class);
        Claim claim = ex.getProperty(CLAIM, Claim.class);
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
        Path original = place(ex, file, dir, name, true);
        ledger.markIngested(claim.mediaId(), original.toString(), ex.getProperty(SOURCE_FILE_ID, Long.class), sha);
        ex.setProperty(ORIGINAL, original.toString());
        LOG.info("Ingested {} -> {}", file, original);
    }

    /**
     * Queues the new original for one stage that follows ingest (the body names it). A crash before this is
     * recovered at start: each stage queues again what the ledger says it has not done.
     */
    public void handOn(Exchange ex) throws IOException {
        String stage = ex.getIn().getBody(String.class);
        MediaInfo info = ex.getProperty(MEDIA_INFO, MediaInfo.class);
        handoff.send(stage, Path.of(ex.getProperty(ORIGINAL, String.class)), ex.getProperty(SHA256, String.class), info.extension());
    }

    /** A second copy of known content: kept in duplicates/, linked to the first in the ledger. */
    public void storeDuplicate(Exchange ex) throws IOException {
        Path file = sourcePath(ex);
        String sha = ex.getProperty(SHA256, String.class);
        Claim claim = ex.getProperty(CLAIM, Claim.class);
        Path dir = duplicates.resolve(sha.substring(0, 2));
        Path copy = place(ex, file, dir, sha.substring(0, 12) + "_" + file.getFileName(), false);
        ledger.recordDuplicate(claim.mediaId(), ex.getProperty(SOURCE_FILE_ID, Long.class), sha, copy.toString(), file.toString());
        LOG.info("Duplicate {} (same content as {}) -> {}", file, claim.existingOriginalPath(), copy);
    }

    /**
     * Places the input as hashed, or not at all: a copy is hashed on the way and refused if it differs; a link needs
     * no second read because the inbox files it is used for belong to the pipeline, so a change after hashing shows
     * in their size or modification time, which are compared first. A refused input is not recorded (see
     * {@link InputLedger#changedWhileCopied}) and its exchange fails, so the source offers it again once it is stable.
     */
    private Path place(Exchange ex, Path file, Path dir, String name, boolean original) throws IOException {
        String sha = ex.getProperty(SHA256, String.class);
        try {
            BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class);
            if (now.size() != ex.getProperty(HASHED_SIZE, Long.class)
                    || now.lastModifiedTime().toMillis() != ex.getProperty(HASHED_MTIME, Long.class)) {
                throw new SourceChangedException(file + " changed after it was hashed; it is taken again once it is stable");
            }
            return FileStore.place(file, dir, name, sha, mode(ex), original);
        } catch (SourceChangedException e) {
            inputs.changedWhileCopied(ex.getProperty(SOURCE_FILE_ID, Long.class), e.getMessage());
            ledger.log(run.runId(), "ingest", "warn", e.getMessage(), null, file.toString());
            LOG.warn("{}", e.getMessage());
            throw e;
        }
    }

    static FileStore.Mode mode(Exchange ex) {
        // Inbox files belong to the pipeline and are removed after ingest, so a link is a zero-copy move;
        // files in a user's folder are copied, so later edits there can never change the archive.
        return ex.getProperty("mayLink", false, Boolean.class) ? FileStore.Mode.LINK_OR_COPY : FileStore.Mode.COPY;
    }

    static Path sourcePath(Exchange ex) {
        return Path.of(ex.getIn().getHeader(Exchange.FILE_PATH, String.class)).toAbsolutePath();
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new IllegalStateException(file + ": " + e.getMessage(), e);
        }
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
