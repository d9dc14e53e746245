package io.mediapipeline.demo;

import io.mediapipeline.media.MediaKind;
import io.mediapipeline.proc.ToolRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes a small household library (about 1 MB, about 5 s) made with the real ffmpeg, exiftool
 * and heif-enc, so `demo` and the tests meet the same awkward files a real library has: EXIF and
 * QuickTime dates, GPS, a portrait video, a Live Photo pair, exact duplicates, a truncated JPEG, an
 * empty file and a name with spaces and accents. The returned {@link Manifest} says what each file
 * must become.
 *
 * <p>Every capture time lies near midday, so the expected dates hold for any
 * {@code pipeline.timezone} from UTC-10 to UTC+11. The content is deterministic: running twice
 * gives the same bytes, which is what an idempotence check wants.
 */
public final class SampleLibrary {

    /** Shared by both halves of the Live Photo pair, as an iPhone does. */
    public static final String LIVE_PHOTO_ID = "7D3E5C1A-2B4F-4E60-8A9B-0C1D2E3F4A5B";

    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);

    public enum Outcome {
        ARCHIVE, DUPLICATE, QUARANTINE;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public record Gps(double latitude, double longitude) {
    }

    /**
     * One generated file.
     *
     * @param path            relative to the library root, '/'-separated
     * @param captureDate     the day the archive should file it under; null for files that are quarantined
     * @param duplicateOf     for an exact duplicate, the relative path of the file it copies
     * @param width           stored pixel width (before any Orientation tag is applied); 0 if unreadable
     * @param height          stored pixel height; 0 if unreadable
     * @param durationSeconds videos only; 0 for photos
     * @param gps             where it claims to have been taken, or null
     * @param tags            what was written, as exiftool reports it with {@code -json -n -G1}
     *                        (for example {@code "ExifIFD:DateTimeOriginal" -> "2023:03:18 12:42:07"})
     */
    public record SampleFile(String path, MediaKind kind, Outcome outcome, LocalDate captureDate, String duplicateOf,
                             int width, int height, double durationSeconds, Gps gps, Map<String, String> tags) {

        public SampleFile {
            tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
        }

        SampleFile copiedTo(String copyPath) {
            return new SampleFile(copyPath, kind, Outcome.DUPLICATE, captureDate, path, width, height,
                    durationSeconds, gps, tags);
        }
    }

    /** What was generated, in a stable order, and notes on what the tools could or could not write. */
    public record Manifest(Path root, List<SampleFile> files, List<String> notes) {

        public Manifest {
            files = List.copyOf(files);
            notes = List.copyOf(notes);
        }

        public SampleFile file(String path) {
            return files.stream().filter(f -> f.path().equals(path)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("not in the sample library: " + path));
        }

        public List<SampleFile> withOutcome(Outcome outcome) {
            return files.stream().filter(f -> f.outcome() == outcome).toList();
        }

        public boolean contains(String path) {
            return files.stream().anyMatch(f -> f.path().equals(path));
        }
    }

    private final Path root;
    private final Path work;
    private final String ffmpeg;
    private final String exiftool;
    private final List<SampleFile> files = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    private SampleLibrary(Path root, Path work, String ffmpeg, String exiftool) {
        this.root = root;
        this.work = work;
        this.ffmpeg = ffmpeg;
        this.exiftool = exiftool;
    }

    /** Generates the library into {@code dir} (created if missing), looking for heif-enc on the PATH. */
    public static Manifest generate(Path dir, String ffmpeg, String exiftool) throws IOException {
        return generate(dir, ffmpeg, exiftool, "heif-enc");
    }

    /** As {@link #generate(Path, String, String)}; a missing or failing heif-enc skips the HEIC photo with a note. */
    public static Manifest generate(Path dir, String ffmpeg, String exiftool, String heifEnc) throws IOException {
        Path root = Files.createDirectories(dir).toAbsolutePath();
        Path work = Files.createTempDirectory("sample-library");
        try {
            SampleLibrary library = new SampleLibrary(root, work, ffmpeg, exiftool);
            library.writeAll(heifEnc);
            return new Manifest(root, library.files, library.notes);
        } finally {
            deleteTree(work);
        }
    }

    private void writeAll(String heifEnc) throws IOException {
        SampleFile paris = photo("IMG_1001.JPG", "testsrc2=size=640x480", LocalDate.of(2023, 3, 18),
                SampleTags.exif("2023:03:18 12:42:07", null, "Apple", "iPhone 12", 640, 480), new Gps(48.8584, 2.2945));
        // The only one with a zone: 12:03 in Venice is 10:03 UTC.
        photo("IMG_1002.JPG", "mandelbrot=size=640x480", LocalDate.of(2023, 8, 5),
                SampleTags.exif("2023:08:05 12:03:51", "+02:00", "Apple", "iPhone 12", 640, 480), new Gps(45.4408, 12.3155));
        SampleFile amsterdam = photo("DSC_2041.JPG", "sierpinski=size=640x480:seed=2", LocalDate.of(2023, 11, 26),
                SampleTags.exif("2023:11:26 11:58:30", null, "NIKON CORPORATION", "NIKON D3500", 640, 480),
                new Gps(52.3731, 4.8922));
        // Stored landscape, shown portrait: a re-encode that drops Orientation turns it on its side.
        Map<String, String> rotated = SampleTags.exif("2024:03:09 12:15:30", null, "Google", "Pixel 7", 640, 480);
        rotated.put("IFD0:Orientation", "6");
        photo("PXL_20240309_121530412.jpg", "cellauto=size=640x480:seed=11:rule=30", LocalDate.of(2024, 3, 9),
                rotated, new Gps(40.4168, -3.7038));
        photo("Beach day – été.jpg", "gradients=size=640x480:c0=0x1e90ff:c1=0xf4d03f:nb_colors=2:seed=4",
                LocalDate.of(2023, 8, 12), SampleTags.exif("2023:08:12 12:20:00", null, "Apple", "iPhone 12", 640, 480),
                new Gps(43.4832, -1.5586));
        undatedPng("scan-grandparents.png", Instant.parse("2021-06-20T12:00:00Z"));
        heic("IMG_2001.HEIC", heifEnc);
        portraitVideo("VID_20240714_123000.mp4");
        landscapeVideo("MVI_0042.MOV");
        livePhoto("IMG_0100");
        duplicate(paris, "copies/IMG_1001 copy.JPG");
        duplicate(amsterdam, "copies/DSC_2041 (1).JPG");
        truncatedJpeg("broken.jpg");
        emptyFile("empty.jpg");
    }

    private SampleFile photo(String name, String source, LocalDate date, Map<String, String> tags, Gps gps)
            throws IOException {
        Path jpeg = stillFrame(source);
        writeTags(jpeg, tags, gps);
        SampleFile file = new SampleFile(name, MediaKind.PHOTO, Outcome.ARCHIVE, date, null, 640, 480, 0, gps,
                tags);
        keep(jpeg, file);
        return file;
    }

    private void undatedPng(String name, Instant modified) throws IOException {
        Path png = work.resolve("undated.png");
        run("ffmpeg", List.of(ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", "smptebars=size=640x480", "-frames:v", "1", png.toString()));
        Path target = keep(png, new SampleFile(name, MediaKind.PHOTO, Outcome.ARCHIVE,
                modified.atZone(ZoneOffset.UTC).toLocalDate(), null, 640, 480, 0, null, Map.of()));
        // No metadata date at all: the archive has to fall back to the modification time.
        Files.setLastModifiedTime(target, FileTime.from(modified));
    }

    private void heic(String name, String heifEnc) throws IOException {
        Map<String, String> tags = SampleTags.exif("2024:01:27 12:05:00", null, "Apple", "iPhone 13", 640, 480);
        Gps london = new Gps(51.5007, -0.1246);
        Path jpeg = stillFrame("mandelbrot=size=640x480:start_x=-0.743643887037151:start_y=0.13182590420533"
                + ":start_scale=0.01");
        // heif-enc carries the JPEG's EXIF into the HEIC, so the tags are written on the JPEG first.
        writeTags(jpeg, tags, london);
        Path heic = work.resolve("out.heic");
        try {
            run("heif-enc", List.of(heifEnc, "-q", "60", "-o", heic.toString(), jpeg.toString()));
        } catch (IOException e) {
            notes.add("HEIC skipped: " + name + " was not generated because heif-enc failed or is missing"
                    + " (install libheif-examples): " + e.getMessage());
            return;
        }
        keep(heic, new SampleFile(name, MediaKind.PHOTO, Outcome.ARCHIVE, LocalDate.of(2024, 1, 27), null,
                640, 480, 0, london, tags));
        notes.add("HEIC: " + name + " encoded by heif-enc from a JPEG whose EXIF (date, camera, GPS) it carried over.");
    }

    private void portraitVideo(String name) throws IOException {
        Path mp4 = work.resolve("portrait.mp4");
        // Stored 360x640 with no rotation flag: a pipeline that assumes landscape squashes it.
        run("ffmpeg", List.of(ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", "testsrc2=size=360x640:rate=30",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                "-t", "2", "-c:v", "libx264", "-preset", "veryfast", "-crf", "30", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "64k", "-metadata", "creation_time=2024-07-14T12:30:00Z",
                "-movflags", "+faststart", mp4.toString()));
        Gps louvre = new Gps(48.8606, 2.3376);
        exiftool(mp4, List.of("-Keys:GPSCoordinates=" + louvre.latitude() + ", " + louvre.longitude(),
                "-Keys:Make=Google", "-Keys:Model=Pixel 7"));
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("QuickTime:CreateDate", "2024:07:14 12:30:00");
        tags.put("Keys:Make", "Google");
        tags.put("Keys:Model", "Pixel 7");
        keep(mp4, new SampleFile(name, MediaKind.VIDEO, Outcome.ARCHIVE, LocalDate.of(2024, 7, 14), null,
                360, 640, 2.0, louvre, tags));
        notes.add("GPS on MP4: " + name + " has Keys:GPSCoordinates (ISO 6709) written by exiftool;"
                + " QuickTime:CreateDate is UTC, set by ffmpeg's creation_time.");
    }

    private void landscapeVideo(String name) throws IOException {
        Path mov = work.resolve("landscape.mov");
        run("ffmpeg", List.of(ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", "testsrc=size=640x360:rate=30",
                "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000",
                "-t", "2", "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "64k", "-metadata", "creation_time=2023-12-25T12:10:00Z",
                "-f", "mov", mov.toString()));
        keep(mov, new SampleFile(name, MediaKind.VIDEO, Outcome.ARCHIVE, LocalDate.of(2023, 12, 25), null,
                640, 360, 2.0, null, Map.of("QuickTime:CreateDate", "2023:12:25 12:10:00")));
    }

    /**
     * An iPhone pairs the halves by an identifier: Apple maker-note tag 0x0011 in the still (exiftool
     * names it MediaGroupUUID) and the mdta key com.apple.quicktime.content.identifier in the video.
     * exiftool can write neither from scratch, so the maker-note block is built here and the video key
     * is written by ffmpeg.
     */
    private void livePhoto(String baseName) throws IOException {
        Gps eiffel = new Gps(48.8584, 2.2945);
        Map<String, String> stillTags = SampleTags.exif("2024:05:02 12:15:00", "+02:00", "Apple", "iPhone 12", 480, 360);
        stillTags.put("Apple:MediaGroupUUID", LIVE_PHOTO_ID);
        Path still = stillFrame("mandelbrot=size=480x360");
        Path makerNotes = work.resolve("apple-makernotes.bin");
        Files.write(makerNotes, SampleTags.appleMakerNotes(LIVE_PHOTO_ID));
        Map<String, String> plainTags = new LinkedHashMap<>(stillTags);
        plainTags.remove("Apple:MediaGroupUUID");
        List<String> args = new ArrayList<>(SampleTags.arguments(plainTags, eiffel));
        args.add("-MakerNotes<=" + makerNotes);
        exiftool(still, args);
        keep(still, new SampleFile(baseName + ".JPG", MediaKind.PHOTO, Outcome.ARCHIVE, LocalDate.of(2024, 5, 2),
                null, 480, 360, 0, eiffel, stillTags));

        Path mov = work.resolve("live.mov");
        run("ffmpeg", List.of(ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", "mandelbrot=size=480x360:rate=30",
                "-f", "lavfi", "-i", "sine=frequency=550:sample_rate=48000",
                "-t", "1.5", "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "64k",
                "-metadata", "creation_time=2024-05-02T10:15:00Z",
                "-metadata", "com.apple.quicktime.content.identifier=" + LIVE_PHOTO_ID,
                "-metadata", "com.apple.quicktime.creationdate=2024-05-02T12:15:00+0200",
                "-metadata", "com.apple.quicktime.make=Apple",
                "-metadata", "com.apple.quicktime.model=iPhone 12",
                "-metadata", "com.apple.quicktime.location.ISO6709=+48.8584+002.2945/",
                // Writes the metadata above as QuickTime Keys (mdta), where an iPhone keeps it.
                "-movflags", "use_metadata_tags", "-f", "mov", mov.toString()));
        Map<String, String> movieTags = new LinkedHashMap<>();
        movieTags.put("QuickTime:CreateDate", "2024:05:02 10:15:00");
        movieTags.put("Keys:ContentIdentifier", LIVE_PHOTO_ID);
        movieTags.put("Keys:Make", "Apple");
        movieTags.put("Keys:Model", "iPhone 12");
        keep(mov, new SampleFile(baseName + ".MOV", MediaKind.VIDEO, Outcome.ARCHIVE, LocalDate.of(2024, 5, 2),
                null, 480, 360, 1.5, eiffel, movieTags));
        notes.add("Live Photo " + baseName + ".JPG + " + baseName + ".MOV share " + LIVE_PHOTO_ID
                + ": the JPEG has Apple maker notes with MediaGroupUUID (tag 0x0011, called ContentIdentifier"
                + " before exiftool 12.19), built here and embedded with -MakerNotes<= because exiftool only edits"
                + " existing maker-note tags; the MOV has Keys:ContentIdentifier"
                + " (com.apple.quicktime.content.identifier), written by ffmpeg because exiftool cannot write it.");
    }

    private void duplicate(SampleFile original, String copyPath) throws IOException {
        Path target = root.resolve(copyPath);
        Files.createDirectories(target.getParent());
        Files.copy(root.resolve(original.path()), target, StandardCopyOption.REPLACE_EXISTING);
        files.add(original.copiedTo(copyPath));
    }

    private void truncatedJpeg(String name) throws IOException {
        Path jpeg = stillFrame("sierpinski=size=640x480:seed=9");
        writeTags(jpeg, SampleTags.exif("2023:05:01 12:00:00", null, "Apple", "iPhone 12", 640, 480), null);
        byte[] whole = Files.readAllBytes(jpeg);
        // Keeps the headers and EXIF, loses the end of the image data and the EOI marker: an interrupted copy.
        Files.write(jpeg, Arrays.copyOf(whole, whole.length * 40 / 100));
        keep(jpeg, new SampleFile(name, MediaKind.PHOTO, Outcome.QUARANTINE, null, null, 0, 0, 0, null, Map.of()));
    }

    private void emptyFile(String name) throws IOException {
        Path target = root.resolve(name);
        Files.deleteIfExists(target);
        Files.createFile(target);
        files.add(new SampleFile(name, MediaKind.PHOTO, Outcome.QUARANTINE, null, null, 0, 0, 0, null, Map.of()));
    }

    private Path stillFrame(String source) throws IOException {
        Path jpeg = Files.createTempFile(work, "still", ".jpg");
        run("ffmpeg", List.of(ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", source, "-frames:v", "1", "-q:v", "4", jpeg.toString()));
        return jpeg;
    }

    private void writeTags(Path file, Map<String, String> tags, Gps gps) throws IOException {
        exiftool(file, SampleTags.arguments(tags, gps));
    }

    private void exiftool(Path file, List<String> tagArgs) throws IOException {
        List<String> command = new ArrayList<>(
                List.of(exiftool, "-q", "-overwrite_original", "-charset", "filename=UTF8"));
        command.addAll(tagArgs);
        command.add(file.toString());
        String output = run("exiftool", command);
        // exiftool exits 0 when it skips a tag it cannot write; a promise in the manifest must not be empty.
        if (output.contains("Warning") || output.contains("Error")) {
            throw new IOException("exiftool could not write " + tagArgs + " to " + file.getFileName() + ": "
                    + output.strip());
        }
    }

    private Path keep(Path generated, SampleFile file) throws IOException {
        Path target = root.resolve(file.path());
        Files.createDirectories(target.getParent());
        Files.move(generated, target, StandardCopyOption.REPLACE_EXISTING);
        files.add(file);
        return target;
    }

    /** Runs a tool (no shell, stdin from /dev/null); returns stdout and stderr, or fails with the stderr. */
    private String run(String tool, List<String> command) throws IOException {
        ToolRun.Result result;
        try {
            result = ToolRun.run(command, TOOL_TIMEOUT);
        } catch (IOException e) {
            throw new IOException(tool + ": " + e.getMessage(), e);
        }
        if (result.exitCode() != 0) {
            throw new IOException(tool + " exited with " + result.exitCode() + ": " + result.stderr().strip()
                    + " (command: " + String.join(" ", command) + ")");
        }
        return result.stdout() + result.stderr();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
