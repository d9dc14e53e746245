package io.mediapipeline.dashboard.files;

import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.proc.PrivateDir;
import io.mediapipeline.proc.ToolRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small JPEG of a photo for its journey page, made once by ffmpeg from the archive copy (or the original) into
 * state/thumbnails/ (0700) and kept there: the archive is only ever read. Only files inside pipeline.home are read,
 * so a path in the ledger can never make the dashboard show something else of the machine.
 */
public final class Thumbnails {

    private static final Logger LOG = LoggerFactory.getLogger(Thumbnails.class);
    static final int MAX_SIDE = 320;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** ffmpeg (and heif-convert) runs at once for thumbnails, at most: the machine has other work. */
    static final int MAKERS = 2;

    private final Ledger ledger;
    private final Path home;
    private final Path dir;
    private final String ffmpeg;
    private final String heifConvert;
    private final Map<String, CompletableFuture<Optional<Path>>> inFlight = new ConcurrentHashMap<>();
    private final Semaphore makers = new Semaphore(MAKERS, true);

    /** @param heifConvert libheif's decoder, for HEIC/HEIF photos (ffmpeg 5.1 cannot decode them) */
    public Thumbnails(Ledger ledger, Path home, String ffmpeg, String heifConvert) {
        this.heifConvert = heifConvert;
        this.ledger = ledger;
        this.home = home.toAbsolutePath().normalize();
        this.dir = this.home.resolve("state").resolve("thumbnails");
        this.ffmpeg = ffmpeg;
    }

    /** The thumbnail of the photo with this id, made now if it was not made before; empty for a video or no file. */
    public Optional<Path> of(String id) {
        Optional<UUID> uuid = Journey.uuid(id);
        if (uuid.isEmpty()) {
            return Optional.empty();
        }
        List<Map<String, Object>> rows = ledger.rows(
                "select sha256, kind, archive_path, original_path from media_files where id = ?", uuid.get());
        if (rows.isEmpty() || !"photo".equals(rows.get(0).get("kind"))) {
            return Optional.empty();
        }
        Map<String, Object> row = rows.get(0);
        String sha = (String) row.get("sha256");
        if (!SHA256.matcher(sha).matches()) {
            return Optional.empty();
        }
        Path thumb = dir.resolve(sha + ".jpg");
        if (Files.isRegularFile(thumb)) {
            return Optional.of(thumb);
        }
        Optional<Path> from = inHome((String) row.get("archive_path")).or(() -> inHome((String) row.get("original_path")));
        return from.flatMap(source -> once(sha, source, thumb));
    }

    /**
     * One making per photo at a time: a request for a photo whose thumbnail is being made waits for that one
     * (a page of the same photo opened twice runs ffmpeg once), and at most {@link #MAKERS} are made at once.
     */
    private Optional<Path> once(String sha, Path source, Path thumb) {
        CompletableFuture<Optional<Path>> mine = new CompletableFuture<>();
        CompletableFuture<Optional<Path>> running = inFlight.putIfAbsent(sha, mine);
        if (running != null) {
            return running.join();
        }
        Optional<Path> made = Optional.empty();
        try {
            if (Files.isRegularFile(thumb)) {
                made = Optional.of(thumb); // finished by the one before, between our look and our claim
            } else {
                makers.acquire();
                try {
                    made = make(source, thumb);
                } finally {
                    makers.release();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.remove(sha, mine);
            mine.complete(made);
        }
        return made;
    }

    /** The path, if it names a regular file inside pipeline.home once every link is resolved (and not in state/). */
    Optional<Path> inHome(String path) {
        if (path == null) {
            return Optional.empty();
        }
        try {
            Path real = Path.of(path).toRealPath();
            Path root = home.toRealPath();
            if (real.startsWith(root) && !real.startsWith(root.resolve("state")) && Files.isRegularFile(real)) {
                return Optional.of(real);
            }
        } catch (IOException e) {
            // gone or unreadable: no thumbnail
        }
        return Optional.empty();
    }

    /**
     * ffmpeg writes a temp name next to the cache entry, which appears under its real name in one rename. A HEIC
     * photo is decoded by heif-convert first, into a temp name of the same private folder.
     */
    private Optional<Path> make(Path source, Path thumb) {
        String temp = "." + UUID.randomUUID();
        Path tmp = dir.resolve(temp + ".jpg");
        try {
            PrivateDir.create(dir);
            Path input = source;
            String name = source.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            if (name.endsWith(".heic") || name.endsWith(".heif")) {
                input = dir.resolve(temp + "-decoded.jpg");
                ToolRun.Result d = ToolRun.run(List.of(heifConvert, "-q", "90", source.toString(), input.toString()), TIMEOUT);
                if (d.exitCode() != 0 || !Files.isRegularFile(input)) {
                    LOG.info("No thumbnail for {}: heif-convert exit code {}", source.getFileName(), d.exitCode());
                    return Optional.empty();
                }
            }
            String fit = "scale=w='min(" + MAX_SIDE + ",iw)':h='min(" + MAX_SIDE + ",ih)':force_original_aspect_ratio=decrease";
            ToolRun.Result r = ToolRun.run(List.of(ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-i",
                    input.toString(), "-frames:v", "1", "-vf", fit, "-c:v", "mjpeg", "-q:v", "5", "-f", "image2",
                    tmp.toString()), TIMEOUT);
            if (r.exitCode() != 0 || !Files.isRegularFile(tmp) || Files.size(tmp) == 0) {
                LOG.info("No thumbnail for {}: ffmpeg exit code {}", source.getFileName(), r.exitCode());
                return Optional.empty();
            }
            Files.move(tmp, thumb, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return Optional.of(thumb);
        } catch (IOException e) {
            LOG.info("No thumbnail for {}: {}", source.getFileName(), e.getMessage());
            return Optional.empty();
        } finally {
            // this attempt's temp names (the decoded HEIC, a half-written JPEG)
            try (var left = Files.newDirectoryStream(dir, temp + "*")) {
                for (Path p : left) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException ignored) {
                // a leftover temp name is dot-named, never served, and only in this private folder
            }
        }
    }
}
