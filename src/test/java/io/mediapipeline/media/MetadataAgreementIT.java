package io.mediapipeline.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.demo.SampleLibrary;
import io.mediapipeline.support.RequiredTools;
import io.mediapipeline.support.Tools;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-process reader (metadata-extractor) and exiftool, the reader it replaced, must say the same about every
 * file: each {@link MediaInfo} field, or the same refusal. The corpus is every file of the demo's sample library plus
 * what a household library holds beyond it: EXIF offsets either side of UTC, QuickTime UTC dates, HEIC, portrait
 * video, GPS in all four quarters, Live Photo ids, IPTC- and XMP-only dates, PNGs, and files cut short.
 */
class MetadataAgreementIT {

    private static final ZoneId ZONE = ZoneId.of("America/Los_Angeles");

    @TempDir
    Path dir;

    @Test
    void libraryAndExiftoolAgreeOnEveryFieldThePipelineUses() throws Exception {
        RequiredTools.need(Tools.onPath("heif-enc"), "heif-enc (libheif-examples, makes the HEIC fixtures)");
        List<Path> corpus = new ArrayList<>();
        SampleLibrary.Manifest sample = SampleLibrary.generate(dir.resolve("sample"), "ffmpeg", "exiftool");
        sample.files().forEach(f -> corpus.add(sample.root().resolve(f.path())));
        corpus.addAll(extraCorpus(Files.createDirectories(dir.resolve("extra"))));

        List<String> disagreements = new ArrayList<>();
        int refusedByBoth = 0;
        List<String> readByExiftool = new ArrayList<>();
        try (ExifTool exif = new ExifTool()) {
            MediaProbe library = new MediaProbe(exif, "ffprobe", "ffmpeg", ZONE);
            MediaProbe exiftool = library.exifToolOnly();
            // ingest inspects in parallel: the in-process reader must give each thread the answer it gives alone
            Map<Path, Object> parallel = new ConcurrentHashMap<>();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                for (Future<?> done : pool.invokeAll(corpus.stream().map(file -> (Callable<Object>) () ->
                        parallel.put(file, outcome(library, file))).toList())) {
                    done.get();
                }
            } finally {
                pool.shutdown();
            }
            for (Path file : corpus) {
                Object fast = outcome(library, file);
                Object reference = outcome(exiftool, file);
                disagreements.addAll(compare(dir.relativize(file).toString(), "in parallel", parallel.get(file),
                        "alone", fast));
                disagreements.addAll(compare(dir.relativize(file).toString(), "in-process", fast, "exiftool",
                        reference));
                refusedByBoth += fast instanceof String && reference instanceof String ? 1 : 0;
                if (Files.size(file) > 0 && LibraryTags.read(file) == null) {
                    readByExiftool.add(dir.relativize(file).toString());
                }
            }
        }
        System.out.println("read by exiftool's fallback: " + readByExiftool);
        assertThat(disagreements).as("fields the two readers disagree on").isEmpty();
        // the comparison is between two readers: only the damaged, the foreign and the unmapped go to exiftool
        assertThat(readByExiftool).hasSizeLessThanOrEqualTo(7);
        // the corpus reached both branches: accepted files of each kind and refused ones
        assertThat(refusedByBoth).isGreaterThanOrEqualTo(5);
        assertThat(corpus).hasSizeGreaterThan(35);
    }

    /** Per-file time of inspect on small JPEGs, in-process against exiftool, printed for the record. */
    @Test
    void inProcessReadingIsFasterOnSmallJpegs() throws Exception {
        List<Path> jpegs = new ArrayList<>();
        Path first = Fixtures.exiftoolWrite(Fixtures.jpeg(dir.resolve("p0.jpg")),
                "-DateTimeOriginal=2023:07:01 09:15:00", "-OffsetTimeOriginal=+02:00", "-Make=Apple",
                "-Model=iPhone 13", "-GPSLatitude=48.85", "-GPSLatitudeRef=N", "-GPSLongitude=2.29",
                "-GPSLongitudeRef=E");
        jpegs.add(first);
        for (int i = 1; i < 200; i++) {
            jpegs.add(Files.copy(first, dir.resolve("p" + i + ".jpg")));
        }
        try (ExifTool exif = new ExifTool()) {
            MediaProbe library = new MediaProbe(exif, "ffprobe", "ffmpeg", ZONE);
            MediaProbe exiftool = library.exifToolOnly();
            time(library, jpegs);
            time(exiftool, jpegs);
            double inProcess = time(library, jpegs);
            double reference = time(exiftool, jpegs);
            System.out.printf("inspect per small JPEG: in-process %.2f ms, exiftool %.2f ms (%.1fx)%n",
                    inProcess, reference, reference / inProcess);
            assertThat(inProcess).isLessThan(reference);
        }
    }

    private static double time(MediaProbe probe, List<Path> files) throws Exception {
        long start = System.nanoTime();
        for (Path file : files) {
            probe.inspect(file, null);
        }
        return (System.nanoTime() - start) / 1e6 / files.size();
    }

    /** The MediaInfo, or the reason for refusal as a String. */
    private static Object outcome(MediaProbe probe, Path file) throws Exception {
        try {
            return probe.inspect(file, null);
        } catch (BadMediaException e) {
            return e.getMessage();
        }
    }

    /** Each field on which two outcomes differ, naming the file, both sides and their values. */
    private static List<String> compare(String name, String first, Object one, String second, Object other)
            throws Exception {
        if (!(one instanceof MediaInfo a) || !(other instanceof MediaInfo b)) {
            return Objects.equals(one, other) ? List.of()
                    : List.of(name + ": " + first + " " + one + " | " + second + " " + other);
        }
        List<String> differences = new ArrayList<>();
        for (RecordComponent field : MediaInfo.class.getRecordComponents()) {
            Object x = field.getAccessor().invoke(a);
            Object y = field.getAccessor().invoke(b);
            boolean same = x instanceof Double dx && y instanceof Double dy ? Math.abs(dx - dy) < 1e-6
                    : Objects.equals(x, y);
            if (!same) {
                differences.add(name + " " + field.getName() + ": " + first + " " + x + " | " + second + " " + y);
            }
        }
        return differences;
    }

    private List<Path> extraCorpus(Path d) throws Exception {
        List<Path> files = new ArrayList<>();
        // EXIF offsets either side of UTC, and the other EXIF dates in their order
        files.add(photo(d, "east.jpg", "-DateTimeOriginal=2023:07:01 00:30:00", "-OffsetTimeOriginal=+02:00"));
        files.add(photo(d, "west.jpg", "-DateTimeOriginal=2023:07:01 23:30:00", "-OffsetTimeOriginal=-05:00"));
        files.add(photo(d, "no-offset.jpg", "-DateTimeOriginal=2022:12:31 23:59:59"));
        files.add(photo(d, "scan.jpg", "-CreateDate=2001:02:03 04:05:06", "-OffsetTimeDigitized=+01:00"));
        files.add(photo(d, "modified-only.jpg", "-ModifyDate=2010:10:10 10:10:10", "-OffsetTime=-03:00"));
        files.add(photo(d, "zero-date.jpg", "-DateTimeOriginal=0000:00:00 00:00:00",
                "-ModifyDate=2011:01:01 01:01:01"));
        // GPS in the four quarters, and the 0/0 that means "no fix"
        files.add(photo(d, "north-east.jpg", "-GPSLatitude=59.3293", "-GPSLatitudeRef=N",
                "-GPSLongitude=18.0686", "-GPSLongitudeRef=E"));
        files.add(photo(d, "south-west.jpg", "-GPSLatitude=22.9068", "-GPSLatitudeRef=S",
                "-GPSLongitude=43.1729", "-GPSLongitudeRef=W"));
        files.add(photo(d, "south-east.jpg", "-GPSLatitude=33.8568", "-GPSLatitudeRef=S",
                "-GPSLongitude=151.2153", "-GPSLongitudeRef=E"));
        files.add(photo(d, "north-west.jpg", "-GPSLatitude=40.7128", "-GPSLatitudeRef=N",
                "-GPSLongitude=74.0060", "-GPSLongitudeRef=W"));
        files.add(photo(d, "no-reference.jpg", "-GPSLatitude=12.5", "-GPSLongitude=45.25"));
        files.add(photo(d, "null-island.jpg", "-GPSLatitude=0", "-GPSLatitudeRef=N", "-GPSLongitude=0",
                "-GPSLongitudeRef=E"));
        // orientation, make and model
        for (int orientation : new int[] {3, 6, 8, 5}) {
            files.add(photo(d, "orientation-" + orientation + ".jpg", "-Orientation#=" + orientation,
                    "-Make=Canon", "-Model=Canon EOS 80D"));
        }
        // IPTC- and XMP-only dates, as scanners and editors leave them
        files.add(photo(d, "iptc.jpg", "-IPTC:DateCreated=2019:05:06", "-IPTC:TimeCreated=14:30:00+02:00"));
        files.add(photo(d, "iptc-no-time.jpg", "-IPTC:DateCreated=2018:04:05"));
        files.add(photo(d, "iptc-digital.jpg", "-IPTC:DigitalCreationDate=2017:03:04",
                "-IPTC:DigitalCreationTime=08:00:00-04:00"));
        files.add(photo(d, "xmp-photoshop.jpg", "-XMP-photoshop:DateCreated=2016:02:03 10:20:30+09:00"));
        files.add(photo(d, "xmp-day.jpg", "-XMP-photoshop:DateCreated=2015:01:02"));
        files.add(photo(d, "xmp-create.jpg", "-XMP-xmp:CreateDate=2014:11:12 13:14:15"));
        files.add(photo(d, "xmp-exif.jpg", "-XMP-exif:DateTimeOriginal=2013:10:11 12:13:14-07:00"));
        files.add(photo(d, "xmp-orientation.jpg", "-XMP-tiff:Orientation#=8"));
        // PNGs: plain, with EXIF, with XMP
        files.add(Fixtures.png(d.resolve("plain.png")));
        files.add(Fixtures.exiftoolWrite(Fixtures.png(d.resolve("exif.png")),
                "-DateTimeOriginal=2020:01:02 03:04:05", "-Make=Nikon"));
        files.add(Fixtures.exiftoolWrite(Fixtures.png(d.resolve("xmp.png")),
                "-XMP-photoshop:DateCreated=2012:06:07 08:09:10"));
        // HEIC with EXIF date, offset, GPS and orientation; and one cut short
        Path heic = d.resolve("IMG_3001.HEIC");
        Fixtures.run("heif-enc", "-o", heic.toString(), Fixtures.png(d.resolve("heic-source.png")).toString());
        Fixtures.exiftoolWrite(heic, "-DateTimeOriginal=2024:02:03 04:05:06", "-OffsetTimeOriginal=-05:00",
                "-GPSLatitude=35.6762", "-GPSLatitudeRef=N", "-GPSLongitude=139.6503", "-GPSLongitudeRef=E",
                "-Make=Apple", "-Model=iPhone 15");
        files.add(heic);
        Path withThumbnail = d.resolve("IMG_3002.HEIC");
        Fixtures.run("heif-enc", "-t", "64", "-o", withThumbnail.toString(), d.resolve("heic-source.png").toString());
        files.add(Fixtures.exiftoolWrite(withThumbnail, "-DateTimeOriginal=2024:02:03 04:05:06", "-Orientation#=6"));
        files.add(Fixtures.truncated(heic, d.resolve("cut.heic"), 0.6));
        // QuickTime UTC dates, portrait, Apple keys in a MOV, an undated clip, and clips cut short
        Path portrait = Fixtures.video(d.resolve("portrait.mp4"), 1, "-metadata",
                "creation_time=2023-07-01T02:30:00Z");
        files.add(Fixtures.exiftoolWrite(portrait, "-Rotation=90"));
        files.add(Fixtures.video(d.resolve("utc.mov"), 1, "-metadata", "creation_time=2022-12-31T23:30:00Z"));
        files.add(Fixtures.video(d.resolve("apple.mov"), 1, "-movflags", "use_metadata_tags",
                "-metadata", "creation_time=2024-05-02T10:15:00Z",
                "-metadata", "com.apple.quicktime.creationdate=2024-05-02T12:15:00+0200",
                "-metadata", "com.apple.quicktime.make=Apple", "-metadata", "com.apple.quicktime.model=iPhone 14",
                "-metadata", "com.apple.quicktime.content.identifier=0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9",
                "-metadata", "com.apple.quicktime.location.ISO6709=-33.8568+151.2153/"));
        files.add(Fixtures.exiftoolWrite(Fixtures.video(d.resolve("keys.mp4"), 1),
                "-Keys:CreationDate=2021:09:10 11:12:13-05:00", "-Keys:Make=Samsung", "-Keys:Model=Galaxy S21",
                "-Keys:GPSCoordinates=-22.9068, -43.1729"));
        files.add(Fixtures.video(d.resolve("undated.mp4"), 1));
        // names exiftool reads as a sub-type: a QuickTime movie called .mp4, a JPEG called .thm
        files.add(Files.copy(d.resolve("apple.mov"), d.resolve("renamed.mp4")));
        files.add(Files.copy(d.resolve("east.jpg"), d.resolve("IMG_0001.THM")));
        // an Android phone's user data: make, model and place (ISO 6709 in a MOV, 3GPP location in an MP4)
        String[] android = {"-metadata", "make=samsung", "-metadata", "model=SM-G991B", "-metadata",
                "location=+37.5665+126.9780/", "-metadata", "creation_time=2022-02-02T02:02:02Z"};
        files.add(Fixtures.video(d.resolve("android.mov"), 1, android));
        files.add(Fixtures.video(d.resolve("android.mp4"), 1, android));
        files.add(Fixtures.truncated(portrait, d.resolve("cut.mp4"), 0.5));
        files.add(Fixtures.truncated(d.resolve("apple.mov"), d.resolve("cut.mov"), 0.9));
        // not media at all
        files.add(Files.writeString(d.resolve("notes.jpg"), "shopping list\n"));
        return files;
    }

    private static Path photo(Path d, String name, String... assignments) {
        return Fixtures.exiftoolWrite(Fixtures.jpeg(d.resolve(name)), assignments);
    }
}
