package io.mediapipeline.media;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExifToolTest {

    @Test
    void oneProcessServesFiftyFilesFromSeveralThreads(@TempDir Path dir) throws Exception {
        Path original = Fixtures.exiftoolWrite(Fixtures.jpeg(dir.resolve("original.jpg")),
                "-DateTimeOriginal=2023:07:01 00:30:00");
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            files.add(Files.copy(original, dir.resolve("copy " + i + ".jpg")));
        }

        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (ExifTool exif = new ExifTool()) {
            List<Future<Map<String, Object>>> answers = new ArrayList<>();
            for (Path file : files) {
                answers.add(pool.submit(() -> exif.read(file)));
            }
            for (int i = 0; i < files.size(); i++) {
                Map<String, Object> tags = answers.get(i).get(30, TimeUnit.SECONDS);
                // each answer belongs to its own request: framing never hands one file's tags to another
                assertThat(tags).containsEntry("System:FileName", "copy " + i + ".jpg")
                        .containsEntry("ExifIFD:DateTimeOriginal", "2023:07:01 00:30:00")
                        .containsEntry("File:FileType", "JPEG");
            }
            assertThat(exif.processStarts()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void namesWithSpacesUnicodeAndNewlinesAreRead(@TempDir Path dir) throws Exception {
        Path jpeg = Fixtures.jpeg(dir.resolve("source.jpg"));
        List<String> names = List.of("  leading and trailing spaces  .jpg", "Ferien ü 日本 😀.jpg",
                "line\nbreak.jpg", "carriage\rreturn.jpg", "#hash.jpg", "-dash.jpg", "100%d off.jpg", "ends with a space.jpg ");

        try (ExifTool exif = new ExifTool()) {
            for (String name : names) {
                Path file = Files.copy(jpeg, dir.resolve(name));
                assertThat(exif.read(file)).as(name).containsEntry("System:FileName", name)
                        .containsEntry("File:ImageWidth", 160);
            }
            // the newline and carriage-return names went through one-shot runs, not a restart
            assertThat(exif.processStarts()).isEqualTo(1);
        }
    }

    @Test
    void deadProcessIsReplacedOnTheNextRequest(@TempDir Path dir) throws Exception {
        Path jpeg = Fixtures.jpeg(dir.resolve("a.jpg"));
        try (ExifTool exif = new ExifTool()) {
            exif.read(jpeg);
            ProcessHandle first = ProcessHandle.of(exif.pid()).orElseThrow();
            first.destroyForcibly();
            first.onExit().get(10, TimeUnit.SECONDS);

            assertThat(exif.read(jpeg)).containsEntry("File:FileType", "JPEG");
            assertThat(exif.processStarts()).isEqualTo(2);
            assertThat(exif.pid()).isNotEqualTo(first.pid());
        }
    }

    @Test
    void hungProcessIsKilledAtTheTimeoutAndRestarted(@TempDir Path dir) throws Exception {
        Path jpeg = Fixtures.jpeg(dir.resolve("a.jpg"));
        // stands in for an exiftool that never answers
        Path hung = Files.writeString(dir.resolve("hung-exiftool"), "#!/bin/sh\nexec sleep 60\n");
        Files.setPosixFilePermissions(hung, PosixFilePermissions.fromString("rwx------"));

        try (ExifTool exif = new ExifTool(hung.toString(), Duration.ofMillis(500))) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> exif.read(jpeg)).isInstanceOf(IOException.class)
                    .hasMessageContaining("did not answer within");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            assertThat(exif.pid()).isEqualTo(-1);

            assertThatThrownBy(() -> exif.read(jpeg)).isInstanceOf(IOException.class);
            assertThat(exif.processStarts()).isEqualTo(2);
        }
        // neither stand-in is left running
        Thread.sleep(200);
        assertThat(ProcessHandle.current().children()
                .filter(p -> p.info().command().orElse("").endsWith("sleep"))).isEmpty();
    }

    @Test
    void closeEndsTheProcess(@TempDir Path dir) throws Exception {
        Path jpeg = Fixtures.jpeg(dir.resolve("a.jpg"));
        ExifTool exif = new ExifTool();
        exif.read(jpeg);
        ProcessHandle process = ProcessHandle.of(exif.pid()).orElseThrow();

        exif.close();

        process.onExit().get(10, TimeUnit.SECONDS);
        assertThat(process.isAlive()).isFalse();
        assertThatThrownBy(() -> exif.read(jpeg)).isInstanceOf(IOException.class);
    }

    @Test
    void missingFileOrDirectoryIsRefused(@TempDir Path dir) {
        try (ExifTool exif = new ExifTool()) {
            assertThatThrownBy(() -> exif.read(dir.resolve("gone.jpg"))).isInstanceOf(NoSuchFileException.class);
            assertThatThrownBy(() -> exif.read(dir)).isInstanceOf(IOException.class).hasMessageStartingWith("not a file");
        }
    }

    @Test
    void unknownContentIsAnErrorTagNotAnException(@TempDir Path dir) throws Exception {
        Path noise = Files.write(dir.resolve("noise.jpg"), new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        try (ExifTool exif = new ExifTool()) {
            // exiftool 12.57 says "File format error" when the name promises JPEG, "Unknown file type" otherwise
            assertThat(exif.read(noise)).containsKey("ExifTool:Error").doesNotContainKey("File:FileType");
        }
    }

    @Test
    void validateReportsEveryFindingAndNothingForASoundFile(@TempDir Path dir) throws Exception {
        Path tiff = Fixtures.floatTiff(dir.resolve("float.tif"));
        Path cut = Fixtures.truncated(tiff, dir.resolve("cut.tif"), 0.7);
        try (ExifTool exif = new ExifTool()) {
            assertThat(exif.validate(Fixtures.jpeg(dir.resolve("plain.jpg")))).isEmpty();
            // the float TIFF's Deflate compression is outside baseline TIFF: a style finding, nothing more
            assertThat(exif.validate(tiff)).containsExactly("Invalid value for IFD0 tag 0x0103 Compression");
            assertThat(exif.validate(cut)).hasSize(2)
                    .contains("IFD0:StripOffsets+StripByteCounts runs past end of file");
        }
    }
}
