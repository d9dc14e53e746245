package io.mediapipeline.cluster;

import io.mediapipeline.flow.FileStore;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.apache.camel.cluster.CamelClusterView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node that dies mid-write leaves a temp file (FileStore's *.mp-tmp) that no row names; one node alone sweeps them
 * at its next start, but several nodes may not restart for a long time. So the leader of "temp-sweep" removes, from
 * time to time, temp files whose inode has not changed for longer than a file claim lasts: a live writer keeps
 * writing (or renames it at once), and its claim would have expired by then too. The inode's change time, not the
 * modification time: a temp made as a hard link carries its source's old modification time.
 */
final class StaleTemps implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(StaleTemps.class);

    private final Path home;
    private final Duration age;
    private final CamelClusterView view;

    StaleTemps(Path home, Duration age, CamelClusterView view) {
        this.home = home;
        this.age = age;
        this.view = view;
    }

    @Override
    public void run() {
        if (!view.getLocalMember().isLeader()) {
            return;
        }
        try {
            int n = sweep(home, fileSystemNow().minus(age));
            if (n > 0) {
                LOG.info("Removed {} temp file(s) a stopped node left unfinished (unchanged for over {} s)", n, age.toSeconds());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not sweep stale temp files under {}: {}", home, e.toString());
        }
    }

    /**
     * The data directory's own clock: the change time a touch gives a file there. The files' change times come from
     * the file server's clock, which may disagree with this node's.
     */
    private Instant fileSystemNow() throws IOException {
        Path probe = home.resolve("state/.temp-sweep-clock");
        if (!Files.exists(probe)) {
            Files.createFile(probe);
        }
        Files.setLastModifiedTime(probe, FileTime.from(Instant.now()));
        return ((FileTime) Files.getAttribute(probe, "unix:ctime")).toInstant();
    }

    /** Removes temp files under {@code home} (not state/) whose inode changed before {@code before}; how many. */
    static int sweep(Path home, Instant before) throws IOException {
        int[] n = {0};
        Files.walkFileTree(home, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return dir.equals(home.resolve("state")) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (FileStore.sweepable(file)
                        && ((FileTime) Files.getAttribute(file, "unix:ctime")).toInstant().isBefore(before)
                        && Files.deleteIfExists(file)) {
                    n[0]++;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                // a file renamed or removed meanwhile: nothing to sweep
                return FileVisitResult.CONTINUE;
            }
        });
        return n[0];
    }
}
