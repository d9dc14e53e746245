package io.mediapipeline.support;

import io.mediapipeline.demo.SampleTags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Live Photo's two halves as an iPhone writes them, made with the real tools: a JPEG still whose Apple maker notes
 * carry the content identifier (MediaGroupUUID), and a short MOV with the same id in its QuickTime Keys
 * (com.apple.quicktime.content.identifier, which only ffmpeg can write). Each is made in a scratch folder and moved
 * into {@code dir} whole, as icloudpd hands a finished file over; {@code scratch} must be on the same file system.
 */
public final class LivePhotoFiles {

    private LivePhotoFiles() {
    }

    /** The still, dated {@code exifDate} ("2024:05:02 00:30:00") at {@code offset} ("+02:00"). */
    public static Path still(Path scratch, Path dir, String name, String contentId, String exifDate, String offset, String pattern)
            throws IOException {
        Path work = Files.createTempDirectory(Files.createDirectories(scratch), "make");
        Path made = work.resolve(name);
        Tools.run(work, "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", pattern + "=size=320x240", "-frames:v", "1",
                "-q:v", "2", made.toString());
        Path notes = Files.write(work.resolve("notes.bin"), SampleTags.appleMakerNotes(contentId));
        Tools.run(work, "exiftool", "-q", "-overwrite_original", "-Make=Apple", "-Model=iPhone 12",
                "-DateTimeOriginal=" + exifDate, "-OffsetTimeOriginal=" + offset, "-MakerNotes<=" + notes, made.toString());
        return moveIn(made, dir);
    }

    /** The movie (1.5 s, H.264 + AAC), created at {@code utc} ("2024-05-01T22:30:00Z"). */
    public static Path movie(Path scratch, Path dir, String name, String contentId, String utc, String pattern) throws IOException {
        Path work = Files.createTempDirectory(Files.createDirectories(scratch), "make");
        Path made = work.resolve(name);
        Tools.run(work, "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", pattern + "=size=320x240:rate=30",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "1.5", "-c:v", "libx264",
                "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k",
                "-metadata", "creation_time=" + utc,
                "-metadata", "com.apple.quicktime.content.identifier=" + contentId,
                "-metadata", "com.apple.quicktime.make=Apple", "-metadata", "com.apple.quicktime.model=iPhone 12",
                "-movflags", "use_metadata_tags", "-f", "mov", made.toString());
        return moveIn(made, dir);
    }

    private static Path moveIn(Path made, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path in = Files.move(made, dir.resolve(made.getFileName()));
        try (var left = Files.list(made.getParent())) {
            for (Path p : left.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(made.getParent());
        return in;
    }
}
