package io.mediapipeline.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import jdk.jfr.Event;
import jdk.jfr.Name;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Every fsync this JVM makes while open (Java Flight Recorder's jdk.FileForce: each FileChannel.force with the path it
 * was opened on), and marks a test sets at moments of its own (a ledger commit), on one clock: what a power cut would
 * keep can then be read as "was this name's folder forced before that commit". A directory entry is on the disk only
 * after its folder was forced, which no look at the file system afterwards can tell.
 */
public final class DiskSyncs implements AutoCloseable {

    @Name("mediapipeline.test.Mark")
    static final class Mark extends Event {
        String label;
    }

    /** A force (path = what was forced) or a mark (path = its label), with when it started and ended. */
    public record Seen(boolean force, String path, Instant start, Instant end) {
    }

    private final Recording recording = new Recording();
    private List<Seen> seen;

    private DiskSyncs() {
        recording.enable("jdk.FileForce").withoutThreshold();
        recording.enable(Mark.class);
        recording.start();
    }

    public static DiskSyncs record() {
        return new DiskSyncs();
    }

    /** Sets a mark now (call it on the thread that does the thing, right before it). */
    public static void mark(String label) {
        Mark m = new Mark();
        m.label = label;
        m.commit();
    }

    /** Stops recording; what was seen, in the order it started. */
    public List<Seen> stop() {
        if (seen != null) {
            return seen;
        }
        try {
            recording.stop();
            Path file = Files.createTempFile("disk-syncs", ".jfr");
            try {
                recording.dump(file);
                seen = RecordingFile.readAllEvents(file).stream().map(DiskSyncs::seen).flatMap(Optional::stream)
                        .sorted(Comparator.comparing(Seen::start)).toList();
            } finally {
                Files.deleteIfExists(file);
            }
            return seen;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first mark with this label, if one was set. */
    public Optional<Seen> firstMark(String label) {
        return stop().stream().filter(s -> !s.force() && s.path().equals(label)).findFirst();
    }

    /** Whether {@code path} was forced, and the force had ended, before {@code moment}. */
    public boolean forcedBefore(Path path, Instant moment) {
        String p = path.toAbsolutePath().normalize().toString();
        return stop().stream().anyMatch(s -> s.force() && s.path().equals(p) && !s.end().isAfter(moment));
    }

    /** Whether {@code path} was forced at all while recording. */
    public boolean forced(Path path) {
        return forcedBefore(path, Instant.MAX);
    }

    private static Optional<Seen> seen(RecordedEvent e) {
        String type = e.getEventType().getName();
        if (type.equals("jdk.FileForce")) {
            String path = e.getString("path");
            return path == null ? Optional.empty() : Optional.of(new Seen(true,
                    Path.of(path).toAbsolutePath().normalize().toString(), e.getStartTime(), e.getEndTime()));
        }
        if (type.equals("mediapipeline.test.Mark")) {
            return Optional.of(new Seen(false, e.getString("label"), e.getStartTime(), e.getEndTime()));
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        recording.close();
    }
}
