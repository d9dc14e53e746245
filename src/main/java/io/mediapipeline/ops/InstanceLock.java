package io.mediapipeline.ops;

import io.mediapipeline.proc.PrivateDir;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;

/**
 * One process per data directory: two copies writing the same ledger and moving the same files would each think the
 * other's half-done work is theirs. The lock is the operating system's on {@code state/instance.lock}, so it goes
 * with the process however it ends (a kill -9 leaves a file, never a stale lock); the file names the holder.
 */
public final class InstanceLock implements AutoCloseable {

    /** Another process holds the lock; its message is the one line the operator sees. */
    public static final class HeldElsewhere extends IllegalStateException {
        HeldElsewhere(String message) {
            super(message);
        }
    }

    private final FileChannel channel;
    private final FileLock lock;

    private InstanceLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static Path file(Path home) {
        return home.resolve("state").resolve("instance.lock");
    }

    /**
     * Takes the lock for {@code home} or throws {@link HeldElsewhere} naming the holder; held until {@link #close()}
     * or the process ends.
     */
    public static InstanceLock acquire(Path home) throws IOException {
        return acquire(home, file(home));
    }

    /** The lock of one node among several sharing {@code home} (state/instance-NODE.lock). */
    public static InstanceLock acquire(Path home, String node) throws IOException {
        return acquire(home, home.resolve("state").resolve("instance-" + node.replaceAll("[^A-Za-z0-9._-]", "_") + ".lock"));
    }

    private static InstanceLock acquire(Path home, Path file) throws IOException {
        PrivateDir.create(file.getParent());
        FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this JVM holds it already (an app started twice in one test JVM)
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            String holder = holder(channel);
            channel.close();
            throw new HeldElsewhere("another instance is already running on " + home + " (" + holder
                    + "); stop it first (systemctl stop media-pipeline)");
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        channel.truncate(0);
        String me = "pid=" + ProcessHandle.current().pid() + "\nsince=" + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "\n";
        channel.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
        channel.force(false);
        return new InstanceLock(channel, lock);
    }

    /** "pid N since T" from the holder's note, or what is known of it. */
    private static String holder(FileChannel channel) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(256);
        channel.read(buf, 0);
        String pid = "?";
        String since = "?";
        for (String line : new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("pid=")) {
                pid = line.substring(4).strip();
            } else if (line.startsWith("since=")) {
                since = line.substring(6).strip();
            }
        }
        return "pid " + pid + " since " + since;
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
