package io.mediapipeline.compress;

import io.mediapipeline.flow.FileStore;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.media.BadMediaException;
import io.mediapipeline.media.ExifTool;
import io.mediapipeline.media.Ffprobe;
import io.mediapipeline.ops.Metrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.camel.Exchange;
import org.apache.camel.component.exec.ExecException;
import org.apache.camel.component.exec.ExecResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compress stage (routes/30-compress.camel.yaml). For each original taken from work/compress/ it decides,
 * builds the tool command lines that the route runs through camel-exec, and judges the result:
 *
 * <ol>
 *   <li>{@link #plan}: already done at this tier, over the run's caps, not worth trying (HEIC, PNG, efficient
 *       HEVC) or an encode; the encode writes a scratch file under work/.compress-scratch/ only;</li>
 *   <li>{@link #copyMetadata}: exiftool copies back from the original what ffmpeg dropped;</li>
 *   <li>{@link #measure}: ffmpeg's ssim filter over all frames ({@link SsimMeasure}), the original scaled to
 *   the output's size;</li>
 *   <li>{@link #gate}: smaller by X %, SSIM at least the threshold, nothing lost in capture date, GPS,
 *       orientation/rotation, make/model (and the Live Photo content identifier) — then the output is placed in
 *       compressed/ (mirroring originals/), otherwise the original is linked there instead; the ledger says which
 *       and why.</li>
 * </ol>
 * Anything that throws ends in {@link #failed}: scratch removed, the original used, the reason recorded.
 */
public class Compressor {

    private static final Logger LOG = LoggerFactory.getLogger(Compressor.class);

    public static final String JOB = "compressJob";
    public static final String ACTION = "compressAction";

    private final CompressConfig cfg;
    private final CompressLedger ledger;
    private final ExifTool exif;
    private final Path originals;
    private final Path compressed;
    private final Path scratch;
    private final Metrics metrics;
    private final JpegEncoders jpeg;
    private final Progress progress;

    private final Instant started = Instant.now();

    /** Set by a JVM shutdown hook: a tool that dies now died of the shutdown, not of its input. */
    private static volatile boolean jvmStopping;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> jvmStopping = true, "compress-shutdown-flag"));
    }
    private int filesStarted;
    private long bytesStarted;

    /** Per-file state carried through the route as an exchange property. */
    public static final class Job {
        CompressLedger.Row row;
        Path original;
        long originalSize;
        String mode; // video, jpeg, heic
        Path out;
        String outExt;
        String codec;
        Integer tier;
        double minSsim;
        Double ssim;
        Path intermediate; // a two-tool JPEG encoder's first output (PPM, or ffmpeg's JPEG for jpegtran)
        List<String> videoInput;  // ffmpeg arguments before the codec's (input, maps, scale)
        List<String> videoOutput; // and after them (audio, metadata, output)
        int rung;                 // index into CompressConfig.crfLadder() of the encode being judged
        int attempts;             // encodes made for this decision
        String secondExecutable;
        List<String> secondArgs;
    }

    public Compressor(CompressConfig cfg, CompressLedger ledger, ExifTool exif, Path home, Metrics metrics)
            throws IOException {
        this.cfg = cfg;
        this.metrics = metrics;
        this.jpeg = new JpegEncoders(cfg, new ChildProcessExecutor());
        this.progress = new Progress(home.resolve("work").resolve(CompressQueue.STAGE), cfg.progressInterval());
        this.ledger = ledger;
        this.exif = exif;
        this.originals = home.resolve("originals");
        this.compressed = home.resolve("compressed");
        this.scratch = home.resolve("work").resolve(".compress-scratch");
        // Whatever is here was being written when the last run ended: never a result.
        if (Files.isDirectory(scratch)) {
            try (var s = Files.list(scratch)) {
                for (Path p : s.toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        Files.createDirectories(scratch);
    }

    // ---- 1. plan ----------------------------------------------------------------------------------------------

    public void plan(Exchange ex) throws IOException {
        announce();
        String sha = Handoff.stemOf(ex.getIn().getHeader(Exchange.FILE_NAME_ONLY, String.class));
        ex.getIn().setBody(null);
        CompressLedger.Row row = ledger.find(sha);
        if (row == null) {
            throw new IllegalStateException("hand-off " + sha + " has no ledger row");
        }
        Job job = new Job();
        job.row = row;
        ex.setProperty(JOB, job);
        ex.getIn().setHeader(ACTION, "done");
        if (row.originalPath() == null || !Files.isRegularFile(Path.of(row.originalPath()))) {
            throw new IOException("original missing: " + row.originalPath());
        }
        job.original = Path.of(row.originalPath());
        job.originalSize = Files.size(job.original);
        boolean failedBefore = "failed".equals(row.decision());
        if (failedBefore && row.failures() >= cfg.maxFailures()) {
            LOG.debug("{} failed {} time(s) ({}); not retried (pipeline.compress.max-failures)", row.originalName(),
                    row.failures(), sha);
            return;
        }
        if (failedBefore) {
            LOG.info("Retrying {} (failed {} time(s) before, pipeline.compress.max-failures={})", row.originalName(),
                    row.failures(), cfg.maxFailures());
        }
        boolean decided = row.decision() != null && !failedBefore;
        String format = row.format() == null ? "" : row.format().toLowerCase(Locale.ROOT);
        if (row.kind().equals("video")) {
            planVideo(ex, job, decided);
        } else if (format.equals("jpeg")) {
            if (decided) {
                return; // images have no tiers: decided once
            }
            if (!reserve(job)) {
                defer(ex, job);
                return;
            }
            job.mode = "jpeg";
            job.outExt = "jpg";
            job.minSsim = cfg.imageMinSsim();
            job.out = scratchFile(sha, "jpg");
            planJpeg(ex, job);
        } else if ((format.equals("heic") || format.equals("heif")) && cfg.heicToJpeg()) {
            if (decided) {
                return;
            }
            if (!reserve(job)) {
                defer(ex, job);
                return;
            }
            job.mode = "heic";
            job.outExt = "jpg";
            job.codec = "jpeg (heif-convert)";
            job.minSsim = cfg.imageMinSsim();
            job.out = scratchFile(sha, "jpg");
            encode(ex, cfg.heifConvert(), List.of("-q", String.valueOf(cfg.jpegQuality()), abs(job.original), abs(job.out)));
        } else {
            if (decided) {
                return;
            }
            String reason = format.equals("heic") || format.equals("heif")
                    ? "HEIC kept as HEIC (already efficient; pipeline.compress.image.heic=jpeg converts)"
                    : format + " is passed through (only JPEG photos are recompressed)";
            useOriginal(job, "skipped", reason, null, null);
        }
    }

    private void planVideo(Exchange ex, Job job, boolean decided) throws IOException {
        CompressLedger.Row row = job.row;
        VideoEncode.Source source = probe(job.original);
        if (source.width() == 0 || source.height() == 0) {
            throw new IOException("no video stream in " + job.original.getFileName());
        }
        int target = Tiers.targetShortSide(cfg.tiers(), row.capturedAt(), Instant.now(), source.width(), source.height());
        job.tier = target;
        if (decided && row.tier() != null && row.tier() == target) {
            LOG.debug("{} is already compressed for {}p", row.originalName(), target);
            return;
        }
        String efficient = VideoEncode.alreadyEfficient(source, target, cfg);
        if (efficient != null) {
            useOriginal(job, "skipped", efficient, null, target);
            return;
        }
        if (!reserve(job)) {
            defer(ex, job);
            return;
        }
        job.mode = "video";
        job.minSsim = cfg.videoMinSsim();
        job.outExt = row.extension().equalsIgnoreCase("mov") ? "mov" : "mp4";
        job.codec = VideoEncode.codecName(cfg);
        job.out = scratchFile(row.sha256(), job.outExt);
        job.videoInput = VideoEncode.input(job.original, source, target);
        job.videoOutput = VideoEncode.output(source, cfg, row.contentIdentifier(), job.outExt, job.out);
        encodeVideo(ex, job);
    }

    /** The video encode at the job's rung of the CRF ladder. */
    private void encodeVideo(Exchange ex, Job job) throws IOException {
        List<String> args = new ArrayList<>(job.videoInput);
        args.addAll(VideoEncode.codec(cfg, crf(job)));
        args.addAll(job.videoOutput);
        job.attempts++;
        encode(ex, cfg.ffmpeg(), args);
    }

    private Integer crf(Job job) {
        return job.mode != null && job.mode.equals("video") ? cfg.crfLadder().get(job.rung) : null;
    }

    /**
     * JPEG: one of three encoders (pipeline.compress.image.encoder, see {@link JpegEncoders}). A two-tool encoder
     * writes an intermediate scratch file; the route's second pass turns it into job.out.
     */
    private void planJpeg(Exchange ex, Job job) throws IOException {
        JpegEncoders.Encoder enc = jpeg.encoder();
        job.codec = enc.codec();
        String ext = JpegEncoders.intermediateExtension(enc);
        job.intermediate = ext == null ? null : scratchFile(job.row.sha256(), ext);
        JpegEncoders.Commands c = jpeg.commands(enc, job.original, job.originalSize,
                enc.kind().equals("cjpeg") ? pixels(job.original) : 0, job.out, job.intermediate);
        job.secondExecutable = c.second();
        job.secondArgs = c.secondArgs();
        encode(ex, c.first(), c.firstArgs(), c.intermediateBytes());
    }

    /** Width x height of a photo (for the size of its decoded PPM); 0 when exiftool does not say. */
    private long pixels(Path photo) throws IOException {
        Map<String, Object> tags = exif.read(photo);
        if (tags.get("File:ImageWidth") instanceof Number w && tags.get("File:ImageHeight") instanceof Number h) {
            return w.longValue() * h.longValue();
        }
        return 0;
    }

    /** Second pass of a two-tool JPEG encoder: cjpeg (PPM to JPEG) or jpegtran (lossless, progressive). */
    public void secondPass(Exchange ex) {
        Job job = ex.getProperty(JOB, Job.class);
        ex.getIn().setHeader("CamelExecCommandExecutable", job.secondExecutable);
        ex.getIn().setHeader("CamelExecCommandArgs", job.secondArgs);
        ex.getIn().setHeader("CamelExecCommandTimeout", cfg.timeout().toMillis());
        ex.getIn().setBody(null);
    }

    private void encode(Exchange ex, String executable, List<String> args) throws IOException {
        encode(ex, executable, args, 0);
    }

    /** @param intermediateBytes what a two-tool encoder's intermediate file needs besides the output */
    private void encode(Exchange ex, String executable, List<String> args, long intermediateBytes) throws IOException {
        Job job = ex.getProperty(JOB, Job.class);
        long free = Files.getFileStore(scratch).getUsableSpace();
        long needed = job.originalSize + intermediateBytes;
        if (free < needed + (64L << 20)) {
            throw new IOException("not enough free space for the encode: " + (free >> 20) + " MiB free, "
                    + (needed >> 20) + " MiB needed (+64 MiB margin)");
        }
        ex.getIn().setHeader(ACTION, "encode");
        ex.getIn().setHeader("compressSecondPass", job.secondExecutable != null);
        ex.getIn().setHeader("CamelExecCommandExecutable", executable);
        ex.getIn().setHeader("CamelExecCommandArgs", args);
        ex.getIn().setHeader("CamelExecCommandTimeout", cfg.timeout().toMillis());
        ex.getIn().setBody(null);
    }

    private boolean announced;

    private synchronized void announce() {
        if (!announced) {
            announced = true;
            LOG.info("Compress stage working: up to {} encode(s) at a time, {} crf {} preset {}", cfg.parallelism(),
                    cfg.videoCodec(), cfg.crfLadder().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(
                            " then ")) + (cfg.crfLadder().size() > 1 ? " (while only SSIM refuses)" : ""), cfg.preset());
        }
    }

    private synchronized boolean reserve(Job job) {
        if (cfg.maxFiles() > 0 && filesStarted >= cfg.maxFiles()) return false;
        if (cfg.maxBytes() > 0 && bytesStarted >= cfg.maxBytes()) return false;
        if (!cfg.maxTime().isZero() && Duration.between(started, Instant.now()).compareTo(cfg.maxTime()) > 0) return false;
        filesStarted++;
        bytesStarted += job.originalSize;
        return true;
    }

    private void defer(Exchange ex, Job job) {
        ex.getIn().setHeader(ACTION, "deferred");
        LOG.info("Compression cap for this run reached; {} waits for the next run", job.row.originalName());
    }

    // ---- 2. metadata copy-back ---------------------------------------------------------------------------------

    public void copyMetadata(Exchange ex) throws IOException {
        Job job = ex.getProperty(JOB, Job.class);
        if (job.intermediate != null) {
            Files.deleteIfExists(job.intermediate);
        }
        List<String> args = new ArrayList<>(List.of("-q", "-q", "-overwrite_original", "-charset", "filename=utf8",
                "-api", "LargeFileSupport=1", "-tagsFromFile", abs(job.original)));
        if (job.mode.equals("video")) {
            args.addAll(List.of("-QuickTime:CreateDate", "-QuickTime:ModifyDate", "-Keys:all", "-UserData:all",
                    "-ItemList:all", "-XMP:all"));
        } else {
            // everything, including maker notes, GPS, orientation and the ICC profile
            args.addAll(List.of("-all:all", "-ICC_Profile", "-unsafe"));
            if (job.mode.equals("heic")) {
                // heif-convert applied the rotation to the pixels
                args.add("-Orientation=1");
                args.add("-n");
            }
        }
        args.add(abs(job.out));
        ex.getIn().setHeader("CamelExecCommandExecutable", cfg.exiftool());
        ex.getIn().setHeader("CamelExecCommandArgs", args);
        ex.getIn().setBody(null);
    }

    // ---- 3. quality -------------------------------------------------------------------------------------------

    /** SSIM of the output against the original scaled (area) to the output's size; null args = not measurable. */
    public void measure(Exchange ex) {
        Job job = ex.getProperty(JOB, Job.class);
        ex.getIn().setBody(null);
        if (job.mode.equals("heic")) {
            ex.getIn().setHeader("measureSsim", false); // ffmpeg 5.1 cannot decode HEIC
            return;
        }
        ex.getIn().setHeader("measureSsim", true);
        ex.getIn().setHeader("CamelExecCommandExecutable", cfg.ffmpeg());
        List<String> cmd = SsimMeasure.args(cfg.ffmpeg(), job.original, job.out);
        ex.getIn().setHeader("CamelExecCommandArgs", cmd.subList(1, cmd.size()));
        ex.getIn().setHeader("CamelExecCommandTimeout", cfg.timeout().toMillis());
    }

    // ---- 4. gate ----------------------------------------------------------------------------------------------

    public void gate(Exchange ex) throws IOException {
        Job job = ex.getProperty(JOB, Job.class);
        if (Boolean.TRUE.equals(ex.getIn().getHeader("measureSsim", Boolean.class))) {
            job.ssim = SsimMeasure.read(ex.getIn().getBody(ExecResult.class));
        }
        long outSize = Files.size(job.out);
        double saving = 100.0 * (job.originalSize - outSize) / job.originalSize;
        List<String> refusals = new ArrayList<>();
        if (saving < cfg.minSavingPercent()) {
            refusals.add(String.format(Locale.ROOT, "only %.1f%% smaller (needs %d%%)", saving, cfg.minSavingPercent()));
        }
        Integer crf = crf(job);
        if (job.ssim != null && job.ssim < job.minSsim) {
            refusals.add(String.format(Locale.ROOT, "SSIM %.4f (%s) below %.2f", job.ssim, SsimMeasure.SCOPE, job.minSsim)
                    + (crf == null ? "" : " at CRF " + crf));
        }
        List<String> lost = new ArrayList<>(MetadataDiff.lost(exif.read(job.original), exif.read(job.out)));
        if (job.mode.equals("heic")) {
            lost.remove("orientation"); // heif-convert turned the pixels upright; Orientation=1 is then right
        }
        if (!lost.isEmpty()) {
            refusals.add("metadata lost: " + String.join(", ", lost));
        }
        boolean onlySsim = refusals.size() == 1 && job.ssim != null && job.ssim < job.minSsim;
        if (onlySsim && crf != null && job.rung + 1 < cfg.crfLadder().size()) {
            // the next rung: better quality, bigger file; the loop in the route runs the steps again
            Files.deleteIfExists(job.out);
            job.rung++;
            job.ssim = null;
            LOG.info("{}: {}; encoding again at CRF {}", job.row.originalName(), refusals.get(0), crf(job));
            encodeVideo(ex, job);
            return;
        }
        ex.getIn().setHeader(ACTION, "done");
        if (!refusals.isEmpty()) {
            Files.deleteIfExists(job.out);
            useOriginal(job, "original", String.join("; ", refusals), job.ssim, job.tier);
            return;
        }
        Path placed = putInSlot(job, job.out, stem(job.original.getFileName().toString()) + "." + job.outExt);
        Files.deleteIfExists(job.out);
        String reason = String.format(Locale.ROOT, "%.1f%% smaller%s%s%s", saving,
                job.ssim == null ? " (SSIM not measured: ffmpeg cannot decode HEIC)"
                        : String.format(Locale.ROOT, ", SSIM %.4f (%s)", job.ssim, SsimMeasure.SCOPE),
                job.tier == null ? "" : ", short side " + job.tier + " px",
                crf == null ? "" : ", CRF " + crf + (job.attempts > 1 ? " (encode " + job.attempts + ")" : ""));
        record(job, new CompressLedger.Outcome("compressed", reason, placed.toString(), job.originalSize,
                outSize, job.codec, job.ssim, job.tier, true, crf, job.attempts));
        dropPrevious(job.row, placed);
        LOG.info("Compressed {} -> {} ({})", job.row.originalName(), compressed.relativize(placed), reason);
    }

    // ---- failures ---------------------------------------------------------------------------------------------

    /** Dead end of the route: partial output removed, the original used, the reason recorded; the run goes on. */
    public void failed(Exchange ex) {
        Throwable cause = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String reason = describe(cause);
        Job job = ex.getProperty(JOB, Job.class);
        if (job != null && job.out != null) {
            try {
                if (job.intermediate != null) {
                    Files.deleteIfExists(job.intermediate);
                }
                Files.deleteIfExists(job.out);
            } catch (IOException e) {
                LOG.warn("Could not remove scratch file {}: {}", job.out, e.getMessage());
            }
        }
        if (stopping(ex, cause)) {
            // Not the file's fault: it stays undecided and the startup reconciliation queues it again.
            LOG.warn("Compression of {} interrupted by shutdown; it is redone on the next start",
                    job == null || job.row == null ? ex.getIn().getHeader(Exchange.FILE_NAME_ONLY) : job.row.originalName());
            return;
        }
        if (job == null || job.row == null) {
            LOG.error("Could not compress {}: {}", ex.getIn().getHeader(Exchange.FILE_NAME_ONLY), reason);
            return;
        }
        try {
            if (job.original != null && Files.isRegularFile(job.original)) {
                useOriginal(job, "failed", reason, null, job.tier);
            } else {
                record(job, new CompressLedger.Outcome("failed", reason, null, 0, 0, null, null, job.tier,
                        false, crf(job), job.attempts));
            }
            ledger.log("error", reason, job.row.id(), job.row.originalPath());
        } catch (RuntimeException | IOException e) {
            LOG.error("Could not record the compression failure of {}: {}", job.row.originalName(), e.getMessage());
        }
        LOG.error("Could not compress {}: {}", job.row.originalName(), reason);
    }

    /**
     * Whether the failure came from the JVM or Camel stopping. systemd (KillMode=mixed) signals only the JVM, but a
     * SIGTERM sent to the whole group reaches ffmpeg at the same moment as the JVM's hook: wait a moment for it.
     */
    private static boolean stopping(Exchange ex, Throwable cause) {
        if (jvmStopping || ex.getContext().isStopping() || cause instanceof java.io.InterruptedIOException
                || Thread.currentThread().isInterrupted()) {
            return true;
        }
        if (cause instanceof ExecException) {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
            return jvmStopping || ex.getContext().isStopping();
        }
        return false;
    }

    static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown error";
        }
        String msg = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        if (cause instanceof ExecException ee && ee.getStderr() != null) {
            try {
                String err = new String(ee.getStderr().readAllBytes(), StandardCharsets.UTF_8);
                if (err.contains("No space left on device")) {
                    msg = "disk full while encoding (No space left on device)";
                }
            } catch (IOException ignored) {
                // the message alone will do
            }
        }
        return msg.length() > 500 ? msg.substring(0, 500) + "..." : msg;
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** The decision into the ledger, and into the JMX counters (compress.&lt;decision&gt;, bytes saved, encodes). */
    private void record(Job job, CompressLedger.Outcome o) {
        ledger.record(job.row.id(), o);
        metrics.increment("compress." + o.decision());
        metrics.add("compress.encodes", job.attempts);
        long saved = o.decision().equals("compressed") ? o.originalSize() - o.compressedSize() : 0;
        if (o.decision().equals("compressed")) {
            metrics.add("compress.bytes-saved", saved);
        }
        progress.decided(saved);
    }

    /** compressed/ mirrors originals/: when the original is what goes out, a hard link of it stands there. */
    private void useOriginal(Job job, String decision, String reason, Double ssim, Integer tier) throws IOException {
        CompressLedger.Row row = job.row;
        Path placed = putInSlot(job, job.original, job.original.getFileName().toString());
        record(job, new CompressLedger.Outcome(decision, reason, placed.toString(), job.originalSize,
                job.originalSize, null, ssim, tier, false, job.attempts > 0 ? crf(job) : null, job.attempts));
        dropPrevious(row, placed);
        if (!decision.equals("failed")) { // failures are logged once, as errors, by failed()
            LOG.info("Using the original of {}: {}", row.originalName(), reason);
        }
    }

    /**
     * Puts {@code source} (the encode, or the original itself) at the file's own name in compressed/, which mirrors
     * originals/: the original's name (unique there: date, time and a hash prefix) with the output's extension.
     * An earlier copy under that name (another tier, or the original linked after a failure) is replaced by an
     * atomic rename, never edited, so the name stays stable and a crash before the ledger write leaves no orphan:
     * the row is still due and the next attempt replaces the file again.
     */
    private Path putInSlot(Job job, Path source, String name) throws IOException {
        Path target = mirrorDir(job.original).resolve(FileStore.safeName(name));
        if (Files.isRegularFile(target, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.isSameFile(target, source)) {
            return target;
        }
        FileStore.linkReplacing(source, target);
        return target;
    }

    /** A copy under another name (e.g. .mp4 before, the original's .m4v now) is removed once the ledger points elsewhere. */
    private void dropPrevious(CompressLedger.Row row, Path now) throws IOException {
        if (row.compressedPath() == null) {
            return;
        }
        Path before = Path.of(row.compressedPath()).toAbsolutePath().normalize();
        if (!before.equals(now.toAbsolutePath().normalize()) && before.startsWith(compressed.toAbsolutePath().normalize())) {
            Files.deleteIfExists(before);
        }
    }

    Path mirrorDir(Path original) {
        Path o = original.toAbsolutePath().normalize();
        Path root = originals.toAbsolutePath().normalize();
        if (o.startsWith(root) && o.getParent() != null) {
            return compressed.resolve(root.relativize(o.getParent()).toString());
        }
        return compressed.resolve("other");
    }

    private Path scratchFile(String sha, String ext) {
        return scratch.resolve(sha + "." + UUID.randomUUID() + "." + ext);
    }

    private static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    static String abs(Path p) {
        return p.toAbsolutePath().toString();
    }

    // ---- probing ----------------------------------------------------------------------------------------------

    VideoEncode.Source probe(Path file) throws IOException {
        try {
            return VideoEncode.Source.of(Ffprobe.run(cfg.ffprobe(), file, Duration.ofMinutes(2)), Files.size(file));
        } catch (BadMediaException e) {
            throw new IOException("cannot read the video: " + e.getMessage(), e);
        }
    }
}
