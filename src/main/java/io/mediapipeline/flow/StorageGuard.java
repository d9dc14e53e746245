package io.mediapipeline.flow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The service's guard: closed while the NAS marker is missing (the NAS is not mounted, so a write would land on
 * the bare mount point) or while the file system holding pipeline.home has less usable space than the threshold.
 * Asked before every write, so an answer is kept for a second: one stat and one statvfs per second at most.
 */
public final class StorageGuard implements Guard {

    private static final long CACHE_NANOS = 1_000_000_000L;
    private static final long MIB = 1L << 20;

    /** What the guard saw: the marker (null when not checked) and the usable bytes (-1 when unknown). */
    public record State(Path marker, boolean markerPresent, long freeBytes, Optional<String> reason) {
    }

    private record Seen(long at, State state) {
    }

    private final GuardConfig cfg;
    private final LongSupplier freeBytes;
    private volatile Seen seen;

    public StorageGuard(GuardConfig cfg) {
        this(cfg, () -> usableSpace(cfg.home()));
    }

    /** @param freeBytes usable bytes under pipeline.home (tests give their own, so no disk needs filling) */
    public StorageGuard(GuardConfig cfg, LongSupplier freeBytes) {
        this.cfg = cfg;
        this.freeBytes = freeBytes;
    }

    public GuardConfig config() {
        return cfg;
    }

    @Override
    public Optional<String> blocked() {
        Seen s = seen;
        long now = System.nanoTime();
        if (s == null || now - s.at() > CACHE_NANOS) {
            s = new Seen(now, look());
            seen = s;
        }
        return s.state().reason();
    }

    /** Looks now, without the cache (doctor, the start-up wait). */
    public State look() {
        Path marker = cfg.marker().orElse(null);
        boolean present = marker == null || Files.exists(marker);
        long free = freeBytes.getAsLong();
        String reason = null;
        if (!present) {
            reason = "the NAS marker " + marker + " is missing (is the NAS mounted?)";
        } else if (cfg.minFreeMb() > 0 && free < 0) {
            reason = "the free space under " + cfg.home() + " cannot be read";
        } else if (cfg.minFreeMb() > 0 && free < cfg.minFreeMb() * MIB) {
            reason = "only " + free / MIB + " MiB free under " + cfg.home() + " (pipeline.guard.min-free-mb="
                    + cfg.minFreeMb() + ")";
        }
        State state = new State(marker, present, free, Optional.ofNullable(reason));
        seen = new Seen(System.nanoTime(), state);
        return state;
    }

    /** Usable bytes of the file system holding dir (or its nearest existing parent); -1 when none can be read. */
    static long usableSpace(Path dir) {
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                try {
                    return Files.getFileStore(p).getUsableSpace();
                } catch (IOException e) {
                    return -1;
                }
            }
        }
        return -1;
    }
}
