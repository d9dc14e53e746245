package io.mediapipeline.compress;

import io.mediapipeline.flow.GuardClosedException;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.media.BadMediaException;
import io.mediapipeline.media.ExifTool;
import io.mediapipeline.media.Ffprobe;
import io.mediapipeline.media.Hasher;
import io.mediapipeline.ops.Metrics;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.camel.Exchange;
import org.apache.camel.component.exec.ExecBinding;
import org.apache.camel.component.exec.ExecException;
import org.apache.camel.component.exec.ExecResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compress route's bean (routes/30-compress.camel.yaml): takes a queue file to its ledger row, asks the
 * {@link EncodePlanner} what to do, hands the route each tool's arguments, asks the {@link QualityGate} about the
 * result and records the decision. The route reads the exchange variables {@value #ACTION} (encode, done,
 * deferred), {@value #ENCODER} and {@value #SECOND_PASS} (which tool's step runs) and {@value #MEASURE}.
 * Anything that throws ends in {@link #failed}: scratch removed, the original used, the reason recorded.
 */
public class Compressor {

    private static final Logger LOG = LoggerFactory.getLogger(Compressor.class);

    static final String JOB = "compressJob";
    static final String ACTION = "compressAction";
    static final String ENCODER = "encoder";
    static final String SECOND_PASS = "secondPass";
    static final String MEASURE = "measureSsim";

    private final CompressConfig cfg;
    private final CompressLedger ledger;
    private final ExifTool exif;
    private final Metrics metrics;
    private final JpegEncoders jpeg;
    private final Progress progress;
    private final EncodePlanner planner;
    private final QualityGate gate;
    private final CompressedStore store;
    private final RunCaps caps;
    private boolean announced;

    public Compressor(CompressConfig cfg, CompressLedger ledger, ExifTool exif, Path home, Metrics metrics,
                      ChildProcessExecutor executor) throws IOException {
        this.cfg = cfg;
        this.ledger = ledger;
        this.exif = exif;
        this.metrics = metrics;
        this.jpeg = new JpegEncoders(cfg, executor);
        this.progress = new Progress(cfg.progressInterval());
        this.planner = new EncodePlanner(cfg);
        this.gate = new QualityGate(cfg);
        this.store = new CompressedStore(home);
        this.caps = new RunCaps(cfg, Instant.now());
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
        Job job = new Job(row);
        ex.setVariable(JOB, job);
        ex.setVariable(ACTION, "done");
        if (row.originalPath() == null || !Files.isRegularFile(Path.of(row.originalPath()))) {
            throw new IOException("original missing: " + row.originalPath());
        }
        job.original = Path.of(row.originalPath());
        job.originalSize = Files.size(job.original);
        if (Decision.of(row.decision()) == Decision.FAILED && row.failures() < cfg.maxFailures()) {
            LOG.info("Retrying {} (failed {} time(s) before, pipeline.compress.max-failures={})", row.originalName(),
                    row.failures(), cfg.maxFailures());
        }
        EncodePlanner.Plan plan = planner.plan(row, () -> job.video = probe(job.original), job.originalSize,
                Instant.now(), caps);
        job.tier = plan.tier();
        switch (plan.step()) {
            case ALREADY_DONE -> LOG.debug("{} ({}): {}", row.originalName(), sha, plan.reason());
            case SKIP -> useOriginal(job, Decision.SKIPPED, plan.reason(), null, plan.tier());
            case DEFERRED -> {
                ex.setVariable(ACTION, "deferred");
                LOG.info("Compression cap for this run reached; {} waits for the next run", row.originalName());
            }
            case ENCODE -> run(ex, job, switch (plan.mode()) {
                case VIDEO -> planner.video(row, job.original, job.video, plan.tier(),
                        store.scratchFile(sha, EncodePlanner.videoExtension(row)), 0);
                case JPEG -> jpegEncode(job);
                case HEIC -> planner.heic(job.original, store.scratchFile(sha, "jpg"));
            });
        }
    }

    private Encode jpegEncode(Job job) throws IOException {
        JpegEncoders.Encoder enc = jpeg.encoder();
        String ext = JpegEncoders.intermediateExtension(enc);
        String sha = job.row.sha256();
        return planner.jpeg(enc, job.original, job.originalSize,
                enc.kind() == JpegEncoders.Kind.CJPEG ? pixels(job.original) : 0, store.scratchFile(sha, "jpg"),
                ext == null ? null : store.scratchFile(sha, ext));
    }

    /** Width x height of a photo (for the size of its decoded PPM); 0 when exiftool does not say. */
    private long pixels(Path photo) throws IOException {
        Map<String, Object> tags = exif.read(photo);
        if (tags.get("File:ImageWidth") instanceof Number w && tags.get("File:ImageHeight") instanceof Number h) {
            return w.longValue() * h.longValue();
        }
        return 0;
    }

    /** Hands the encode's first tool to the route (its step is chosen by the variable {@value #ENCODER}). */
    private void run(Exchange ex, Job job, Encode encode) throws IOException {
        job.encode = encode;
        if (encode.mode() == EncodeMode.VIDEO) {
            job.attempts++; // compress_attempts counts the CRF ladder's encodes; photos have no ladder
        }
        store.ensureSpace(job.originalSize + encode.intermediateBytes());
        ex.setVariable(ACTION, "encode");
        ex.setVariable(ENCODER, encode.tool().step());
        ex.setVariable(SECOND_PASS, encode.second() == null ? null : encode.second().step());
        args(ex, encode.args());
    }

    /** Second pass of a two-tool JPEG encoder: cjpeg (PPM to JPEG) or jpegtran (lossless, progressive). */
    public void secondPass(Exchange ex) {
        args(ex, job(ex).encode.secondArgs());
    }

    private static void args(Exchange ex, List<String> args) {
        ex.getIn().setHeader(ExecBinding.EXEC_COMMAND_ARGS, args);
        ex.getIn().setBody(null); // camel-exec would pipe a body into the tool's stdin
    }

    private synchronized void announce() {
        if (!announced) {
            announced = true;
            LOG.info("Compress stage working: up to {} encode(s) at a time, {} crf {} preset {}", cfg.parallelism(),
                    cfg.videoCodec(), cfg.crfLadder().stream().map(String::valueOf).collect(Collectors.joining(" then "))
                            + (cfg.crfLadder().size() > 1 ? " (while only SSIM refuses)" : ""), cfg.preset());
        }
    }

    // ---- 2. metadata copy-back, 3. measure --------------------------------------------------------------------

    public void copyMetadata(Exchange ex) throws IOException {
        Job job = job(ex);
        store.discard(job.encode.intermediate());
        args(ex, EncodePlanner.copyMetadata(job.encode, job.original));
    }

    /** SSIM of the output against the original scaled (area) to the output's size, when ffmpeg can decode it. */
    public void measure(Exchange ex) {
        Job job = job(ex);
        List<String> args = planner.measure(job.encode, job.original);
        ex.setVariable(MEASURE, args != null);
        if (args == null) {
            ex.getIn().setBody(null);
        } else {
            args(ex, args);
        }
    }

    // ---- 4. gate ----------------------------------------------------------------------------------------------

    public void gate(Exchange ex) throws IOException {
        Job job = job(ex);
        Encode e = job.encode;
        if (Boolean.TRUE.equals(ex.getVariable(MEASURE, Boolean.class))) {
            job.ssim = SsimMeasure.read(ex.getIn().getBody(ExecResult.class));
        }
        long outSize = Files.size(e.out());
        List<String> lost = MetadataDiff.lost(exif.read(job.original), exif.read(e.out()));
        QualityGate.Judgement j = gate.judge(e, job.originalSize, outSize, job.ssim, lost, job.attempts);
        if (j.verdict() == QualityGate.Verdict.RETRY) {
            // the next rung: better quality, bigger file; the loop in the route runs the steps again
            store.discard(e.out());
            job.ssim = null;
            Encode next = planner.video(job.row, job.original, job.video, e.tier(), e.out(), e.rung() + 1);
            LOG.info("{}: {}; encoding again at CRF {}", job.row.originalName(), j.reason(), next.crf());
            run(ex, job, next);
            return;
        }
        ex.setVariable(ACTION, "done");
        if (j.verdict() == QualityGate.Verdict.REFUSE) {
            store.discard(e.out());
            useOriginal(job, Decision.ORIGINAL, j.reason(), job.ssim, job.tier);
            return;
        }
        Path placed = store.place(job.original, e.out(), stem(job.original.getFileName().toString()) + "." + e.outExt());
        store.discard(e.out());
        record(job, new CompressLedger.Outcome(Decision.COMPRESSED.value(), j.reason(), placed.toString(),
                job.originalSize, outSize, e.codec(), job.ssim, job.tier, true, e.crf(), job.attempts));
        store.dropPrevious(job.row.compressedPath(), placed);
        LOG.info("Compressed {} -> {} ({})", job.row.originalName(), store.relative(placed), j.reason());
    }

    // ---- failures ---------------------------------------------------------------------------------------------

    /** Dead end of the route: partial output removed, the original used, the reason recorded; the run goes on. */
    public void failed(Exchange ex) {
        Throwable cause = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String reason = describe(cause);
        Job job = job(ex);
        if (job != null && job.encode != null) {
            try {
                store.discard(job.encode.intermediate(), job.encode.out());
            } catch (IOException e) {
                LOG.warn("Could not remove scratch file {}: {}", job.encode.out(), e.getMessage());
            }
        }
        String name = job == null ? ex.getIn().getHeader(Exchange.FILE_NAME_ONLY, String.class) : job.row.originalName();
        // a pause, not the file's failure: the queue file stays (the exchange fails) and is taken again later
        if (GuardClosedException.pauses(ex, cause, LOG, "Compression of " + name)) {
            return;
        }
        if (stopping(ex, cause)) {
            // Not the file's fault: it stays undecided and the startup reconciliation queues it again.
            LOG.warn("Compression of {} interrupted by shutdown; it is redone on the next start", name);
            return;
        }
        if (job == null) {
            LOG.error("Could not compress {}: {}", name, reason);
            return;
        }
        try {
            if (job.original != null && Files.isRegularFile(job.original)) {
                useOriginal(job, Decision.FAILED, reason, null, job.tier);
            } else {
                record(job, new CompressLedger.Outcome(Decision.FAILED.value(), reason, null, 0, 0, null, null, job.tier,
                        false, job.crf(), job.attempts));
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
        if (jvmStopping() || ex.getContext().isStopping() || cause instanceof InterruptedIOException
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
            return jvmStopping() || ex.getContext().isStopping();
        }
        return false;
    }

    /** The JVM refuses a new shutdown hook once its hooks run: a tool that dies now died of the shutdown. */
    static boolean jvmStopping() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
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

    // ---- decisions --------------------------------------------------------------------------------------------

    /** The decision into the ledger, and into the JMX counters (compress.&lt;decision&gt;, bytes saved, encodes). */
    private void record(Job job, CompressLedger.Outcome o) throws IOException {
        ledger.record(job.row.id(), o, compressedSha256(job, o.compressedPath()));
        metrics.increment("compress." + o.decision());
        metrics.add("compress.encodes", job.attempts);
        boolean compressed = o.decision().equals(Decision.COMPRESSED.value());
        long saved = compressed ? o.originalSize() - o.compressedSize() : 0;
        if (compressed) {
            metrics.add("compress.bytes-saved", saved);
        }
        progress.decided(saved);
    }

    /** The placed copy's sha256: the original's when it is a link of the original, else its bytes read once now. */
    private static String compressedSha256(Job job, String placed) throws IOException {
        if (placed == null) {
            return null;
        }
        Path p = Path.of(placed);
        return job.original != null && Files.isSameFile(p, job.original) ? job.row.sha256() : Hasher.sha256(p);
    }

    /** compressed/ mirrors originals/: when the original is what goes out, a hard link of it stands there. */
    private void useOriginal(Job job, Decision decision, String reason, Double ssim, Integer tier) throws IOException {
        CompressLedger.Row row = job.row;
        Path placed = store.place(job.original, job.original, job.original.getFileName().toString());
        record(job, new CompressLedger.Outcome(decision.value(), reason, placed.toString(), job.originalSize,
                job.originalSize, null, ssim, tier, false, job.attempts > 0 ? job.crf() : null, job.attempts));
        store.dropPrevious(row.compressedPath(), placed);
        if (decision != Decision.FAILED) { // failures are logged once, as errors, by failed()
            LOG.info("Using the original of {}: {}", row.originalName(), reason);
        }
    }

    private static Job job(Exchange ex) {
        return ex.getVariable(JOB, Job.class);
    }

    private static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private VideoEncode.Source probe(Path file) throws IOException {
        try {
            return VideoEncode.Source.of(Ffprobe.run(cfg.ffprobe(), file, Duration.ofMinutes(2)), Files.size(file));
        } catch (BadMediaException e) {
            throw new IOException("cannot read the video: " + e.getMessage(), e);
        }
    }
}
