package io.mediapipeline.pixel;

import io.mediapipeline.flow.Durable;
import io.mediapipeline.flow.FileStore;
import io.mediapipeline.media.BadMediaException;
import io.mediapipeline.media.Ffprobe;
import io.mediapipeline.media.FfprobeResult;
import io.mediapipeline.media.Hasher;
import io.mediapipeline.proc.ToolRun;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Builds one Google Motion Photo (format 1) from a Live Photo's still and movie, so Google Photos shows the pair
 * animated: the still as a JPEG (a HEIC converted by heif-convert with its tags copied back; a JPEG as it is) whose
 * XMP says GCamera:MotionPhoto=1 and lists the Primary image and the MotionPhoto video in Container:Directory, with
 * the movie appended as MP4 (remuxed, never re-encoded: Pixel cameras write video/mp4, and Apple's timed-metadata
 * tracks, which MP4 cannot carry and the format does not define, are left out). The file is built in a dot-named
 * temp folder beside its final place and waits, durable, under its name's dot temp ({@link #tempFor}; Syncthing ignores
 * both) until the ledger records it; only then does {@link #publish} give it its name, so the phone never gets a
 * Motion Photo the ledger does not know. The inputs are only read. Thread-safe: no state besides the settings.
 */
public final class MotionPhoto {

    /** What the format allows for the video track (AVC, HEVC, AV1), as ffprobe names them. */
    private static final Set<String> VIDEO_CODECS = Set.of("h264", "hevc", "av1");
    /** Google's XMP namespaces as exiftool 12.57 does not know them yet: the Motion Photo tags and the container. */
    private static final String EXIFTOOL_CONFIG = """
            %Image::ExifTool::UserDefined = (
                'Image::ExifTool::XMP::GCamera' => {
                    MotionPhoto => { Writable => 'integer' },
                    MotionPhotoVersion => { Writable => 'integer' },
                    MotionPhotoPresentationTimestampUs => { Writable => 'integer' },
                },
                'Image::ExifTool::XMP::Main' => {
                    GContainer => { SubDirectory => { TagTable => 'Image::ExifTool::UserDefined::GContainer' } },
                },
            );
            %Image::ExifTool::UserDefined::GContainer = (
                GROUPS => { 0 => 'XMP', 1 => 'XMP-GContainer', 2 => 'Image' },
                NAMESPACE => { Container => 'http://ns.google.com/photos/1.0/container/' },
                WRITABLE => 'string',
                Directory => {
                    List => 'Seq',
                    Struct => {
                        NAMESPACE => { Container => 'http://ns.google.com/photos/1.0/container/' },
                        Item => {
                            Struct => {
                                NAMESPACE => { Item => 'http://ns.google.com/photos/1.0/container/item/' },
                                Mime => { },
                                Semantic => { },
                                Length => { Writable => 'integer' },
                                Padding => { Writable => 'integer' },
                            },
                        },
                    },
                },
            );
            1;
            """;

    /**
     * A Motion Photo built for the name {@code file}: size and SHA-256 of the whole file, and how many bytes at its end
     * are the video. Its bytes wait under {@code temp} until {@link #publish}; temp is null when the name already held
     * these bytes.
     */
    public record Built(Path file, Path temp, long size, String sha256, long videoLength) {
    }

    /** What the start-up found of a recorded Motion Photo. */
    public enum Recovered {
        /** Under its name already. */
        IN_PLACE,
        /** A crash came between its rows and its name: it has its name now. */
        FINISHED,
        /** Neither under its name nor waiting under its temp with the recorded bytes. */
        LOST
    }

    /** Why a pair cannot be one Motion Photo (the message names the file); the pair then goes as two files. */
    public static final class CannotCombine extends Exception {
        CannotCombine(String message) {
            super(message, null, false, false);
        }
    }

    private final PixelConfig.Motion tools;
    /** False only in tests: the path of file systems that refuse hard links (a rename instead). */
    private final boolean hardLinks;

    public MotionPhoto(PixelConfig.Motion tools) {
        this(tools, true);
    }

    MotionPhoto(PixelConfig.Motion tools, boolean hardLinks) {
        this.tools = tools;
        this.hardLinks = hardLinks;
    }

    /**
     * The phone's name for the Motion Photo of a still named {@code stillName}: its stem + ".MP.jpg", the pattern the
     * format asks writers to use (a reader may ignore the video of a file named otherwise).
     */
    public static String nameFor(String stillName) {
        String safe = FileStore.safeName(stillName);
        int dot = safe.lastIndexOf('.');
        return (dot > 0 ? safe.substring(0, dot) : safe) + ".MP.jpg";
    }

    /**
     * Builds the Motion Photo of {@code still} + {@code movie} (the user's names for them: stillName, movieName, for
     * the file's name and the messages) for {@code dir} under a free name ({@link #nameFor}, then stem_1.MP.jpg, ...;
     * a name already holding the same bytes is taken as it is). The file is read-only and durable, with its directory
     * entry, under the name's temp when this returns; record it, then {@link #publish} it (or {@link #discard} it).
     */
    public Built build(Path still, Path movie, Path dir, String stillName, String movieName)
            throws CannotCombine, IOException {
        FileStore.guard().require();
        Durable.createDirectories(dir);
        Path work = dir.resolve("." + UUID.randomUUID() + FileStore.TEMP_SUFFIX);
        Files.createDirectory(work);
        try {
            Path jpeg = work.resolve("still.jpg");
            stillAsJpeg(still, jpeg, stillName);
            Path mp4 = work.resolve("video.mp4");
            long presentationUs = movieAsMp4(movie, mp4, movieName);
            long videoLength = Files.size(mp4);
            long padding = Files.size(jpeg) - JpegEnd.primaryLength(jpeg);
            writeXmp(jpeg, work, padding, videoLength, presentationUs, stillName);
            if (Files.size(jpeg) - JpegEnd.primaryLength(jpeg) != padding) {
                throw new CannotCombine("exiftool changed what follows the image in " + stillName);
            }
            Path out = work.resolve("motion.jpg");
            String sha;
            try (InputStream in = new SequenceInputStream(Files.newInputStream(jpeg), Files.newInputStream(mp4));
                 OutputStream o = Files.newOutputStream(out, StandardOpenOption.CREATE_NEW)) {
                sha = Hasher.sha256(in, o);
            }
            Files.setLastModifiedTime(out, Files.getLastModifiedTime(still));
            Durable.makeReadOnly(out);
            Durable.syncFile(out);
            return reserve(out, dir, nameFor(stillName), sha, videoLength);
        } finally {
            deleteTree(work);
        }
    }

    /** A JPEG still is copied as it is; a HEIC one is decoded (turned upright) and gets its tags back. */
    private void stillAsJpeg(Path still, Path jpeg, String name) throws CannotCombine, IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(still)) {
            head = in.readNBytes(12);
        }
        if (head.length >= 3 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xD8 && (head[2] & 0xFF) == 0xFF) {
            Files.copy(still, jpeg);
            jpeg.toFile().setWritable(true, true);
            return;
        }
        String brand = head.length == 12 ? new String(head, 4, 8, java.nio.charset.StandardCharsets.US_ASCII) : "";
        if (!brand.startsWith("ftyp")) {
            throw new CannotCombine(name + " is neither a JPEG nor a HEIC image");
        }
        run(List.of(tools.heifConvert(), "-q", "92", still.toAbsolutePath().toString(), jpeg.toString()),
                "heif-convert could not convert " + name);
        // heif-convert turned the pixels upright, so the copied orientation must say so
        run(List.of(tools.exiftool(), "-q", "-q", "-overwrite_original", "-charset", "filename=utf8", "-tagsFromFile",
                still.toAbsolutePath().toString(), "-all:all", "-ICC_Profile", "-unsafe", "-Orientation#=1",
                jpeg.toString()), "exiftool could not copy the tags of " + name);
    }

    /**
     * The movie's first video track (AVC, HEVC or AV1) and first audio track, remuxed to MP4 with their bytes as they
     * are (audio other than AAC becomes AAC, the only audio the format names). Returns the middle of the clip in
     * microseconds, where an iPhone takes the still, or -1 when the duration is unknown.
     */
    private long movieAsMp4(Path movie, Path mp4, String name) throws CannotCombine, IOException {
        FfprobeResult probe;
        try {
            probe = Ffprobe.run(tools.ffprobe(), movie, tools.timeout());
        } catch (BadMediaException | ToolRun.TimedOut e) {
            throw new CannotCombine(name + " is not a readable video: " + e.getMessage());
        }
        FfprobeResult.Stream video = probe.videoStream().orElseThrow(
                () -> new CannotCombine(name + " has no video track"));
        if (!VIDEO_CODECS.contains(video.codecName())) {
            throw new CannotCombine(name + " is " + video.codecName()
                    + " video; a Motion Photo holds AVC, HEVC or AV1");
        }
        boolean aac = probe.streams().stream().filter(s -> "audio".equals(s.codecType())).findFirst()
                .map(s -> "aac".equals(s.codecName())).orElse(true);
        List<String> cmd = new ArrayList<>(List.of(tools.ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error",
                "-i", movie.toAbsolutePath().toString(), "-map", "0:" + video.index(), "-map", "0:a:0?",
                "-c:v", "copy", "-c:a", aac ? "copy" : "aac", "-map_metadata", "0"));
        if (video.codecName().equals("hevc")) {
            cmd.addAll(List.of("-tag:v", "hvc1")); // the tag Apple and Android players both expect
        }
        // bitexact: no tool version inside, so a rebuild after a crash gives the same bytes
        cmd.addAll(List.of("-fflags", "+bitexact", "-f", "mp4", mp4.toString()));
        run(cmd, "ffmpeg could not remux " + name + " to MP4");
        return probe.videoDurationSeconds().map(d -> Math.round(d * 500_000)).orElse(-1L);
    }

    private void writeXmp(Path jpeg, Path work, long padding, long videoLength, long presentationUs, String stillName)
            throws CannotCombine, IOException {
        Path config = Files.writeString(work.resolve("motion-photo.config"), EXIFTOOL_CONFIG);
        String directory = "[{Item={Mime=image/jpeg,Semantic=Primary,Length=0,Padding=" + padding + "}},"
                + "{Item={Mime=video/mp4,Semantic=MotionPhoto,Length=" + videoLength + "}}]";
        // Shorthand: Container:Item with Item:* attributes, the form Pixel cameras write and readers look for
        // one -q only: a tag exiftool refuses is a warning (with exit code 0), and that must fail the build
        run(List.of(tools.exiftool(), "-config", config.toString(), "-q", "-overwrite_original",
                "-api", "Compact=Shorthand", "-XMP-GCamera:MotionPhoto=1", "-XMP-GCamera:MotionPhotoVersion=1",
                "-XMP-GCamera:MotionPhotoPresentationTimestampUs=" + presentationUs,
                "-XMP-GContainer:Directory=" + directory, jpeg.toString()),
                "exiftool could not write the Motion Photo XMP for " + stillName);
    }

    private void run(List<String> command, String failure) throws CannotCombine, IOException {
        ToolRun.Result r;
        try {
            r = ToolRun.run(command, tools.timeout());
        } catch (ToolRun.TimedOut e) {
            throw new CannotCombine(failure + ": " + e.getMessage());
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("cannot start")) {
                throw new CannotCombine(failure + ": " + e.getMessage());
            }
            throw e;
        }
        // exiftool refuses a tag with a warning and exit code 0; its "[minor]" warnings are harmless
        if (r.exitCode() != 0 || r.stderr().lines().anyMatch(l -> l.startsWith("Warning:") && !l.contains("[minor]"))) {
            String why = ToolRun.firstLine(r.stderr(), "");
            throw new CannotCombine(failure + " (exit code " + r.exitCode() + (why.isEmpty() ? "" : ": " + why) + ")");
        }
    }

    /** The dot name a Motion Photo waits under until its rows are recorded (Syncthing ignores it: .stignore). */
    static Path tempFor(Path file) {
        return file.resolveSibling("." + file.getFileName() + FileStore.TEMP_SUFFIX);
    }

    /**
     * Takes the first name that is free and has no temp (no other build waits for it; only this thread names files
     * here) and moves the built file to its temp; the same bytes under a name are reused.
     */
    private static Built reserve(Path built, Path dir, String name, String sha, long videoLength) throws IOException {
        long size = Files.size(built);
        String stem = name.substring(0, name.length() - ".MP.jpg".length());
        for (int n = 0; n < 10_000; n++) {
            Path candidate = dir.resolve(n == 0 ? name : stem + "_" + n + ".MP.jpg");
            if (Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
                if (Files.isRegularFile(candidate, LinkOption.NOFOLLOW_LINKS)
                        && Files.size(candidate) == size && Hasher.sha256(candidate).equals(sha)) {
                    Durable.syncDir(dir);
                    return new Built(candidate, null, size, sha, videoLength);
                }
                continue;
            }
            Path temp = tempFor(candidate);
            if (Files.exists(temp, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            Files.move(built, temp, StandardCopyOption.ATOMIC_MOVE);
            Durable.syncDir(dir);
            return new Built(candidate, temp, size, sha, videoLength);
        }
        throw new IOException("no free name for " + name + " in " + dir);
    }

    /**
     * After its rows are recorded: the Motion Photo appears under its name in one step (a link, which never
     * overwrites; a rename where links are refused), durable with its folder, and its temp goes. Repeatable.
     */
    public void publish(Built built) throws IOException {
        if (built.temp() != null) {
            finish(built.temp(), built.file(), hardLinks);
        }
    }

    /** A Motion Photo built but not recorded (its halves had deliveries meanwhile) goes, unseen by the phone. */
    public void discard(Built built) throws IOException {
        if (built.temp() != null) {
            Files.deleteIfExists(built.temp());
        }
    }

    private static void finish(Path temp, Path file, boolean hardLinks) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            boolean linked = false;
            if (hardLinks) {
                try {
                    Files.createLink(file, temp);
                    linked = true;
                } catch (FileAlreadyExistsException e) {
                    throw e; // never over another file
                } catch (UnsupportedOperationException | FileSystemException e) {
                    // no hard links here: the rename below (the name is free: only this thread names files here)
                }
            }
            if (!linked) {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            }
            Durable.syncDir(file.getParent());
        }
        Files.deleteIfExists(temp);
    }

    /**
     * Start-up, before {@link #sweep}: a Motion Photo the ledger records as staged at {@code file} with the bytes
     * {@code sha256} gets its name from its temp when a crash came between its rows and its name.
     */
    public static Recovered recover(Path file, String sha256) throws IOException {
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(tempFor(file)); // a crash after the link, before the temp went
            return Recovered.IN_PLACE;
        }
        Path temp = tempFor(file);
        if (!Files.isRegularFile(temp, LinkOption.NOFOLLOW_LINKS) || !Hasher.sha256(temp).equals(sha256)) {
            return Recovered.LOST;
        }
        finish(temp, file, true);
        return Recovered.FINISHED;
    }

    /**
     * Removes the build folders and the unrecorded Motion Photo temps a crash left in the batch folders under
     * {@code bridge} (Syncthing ignores them meanwhile). Run after {@link #recover}, which takes the recorded ones.
     * Returns how many.
     */
    public static int sweep(Path bridge) throws IOException {
        if (!Files.isDirectory(bridge)) {
            return 0;
        }
        List<Path> left;
        try (Stream<Path> s = Files.find(bridge, 2, (p, a) -> p.getFileName().toString().startsWith(".")
                && (a.isDirectory() && p.getFileName().toString().endsWith(FileStore.TEMP_SUFFIX)
                    || a.isRegularFile() && p.getFileName().toString().endsWith(".MP.jpg" + FileStore.TEMP_SUFFIX)))) {
            left = s.toList();
        }
        for (Path dir : left) {
            deleteTree(dir);
        }
        return left.size();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
