package io.mediapipeline.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.demo.SampleTags;
import io.mediapipeline.support.RequiredTools;
import io.mediapipeline.support.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When the in-process reader answers and when it leaves a file to exiftool. */
class LibraryTagsTest {

    private static final String ID = "7D3E5C1A-2B4F-4E60-8A9B-0C1D2E3F4A5B";

    @Test
    void makerNotesWithoutAStandardDateGoToExiftoolWhichReadsMakerNoteDates(@TempDir Path dir) throws Exception {
        Path notes = Files.write(dir.resolve("apple.bin"), SampleTags.appleMakerNotes(ID));
        Path undated = Fixtures.exiftoolWrite(Fixtures.jpeg(dir.resolve("undated.jpg")), "-Make=Apple",
                "-MakerNotes<=" + notes);
        Path dated = Fixtures.exiftoolWrite(Fixtures.jpeg(dir.resolve("dated.jpg")), "-Make=Apple",
                "-DateTimeOriginal=2024:05:02 12:15:00", "-MakerNotes<=" + notes);

        assertThat(LibraryTags.read(undated)).isNull();
        Map<String, Object> tags = LibraryTags.read(dated);
        assertThat(tags).containsEntry("Apple:MediaGroupUUID", ID)
                .containsEntry("ExifIFD:DateTimeOriginal", "2024:05:02 12:15:00")
                .containsEntry("File:FileType", "JPEG");
    }

    @Test
    void anIsoFileCutShortOrWithAnUnknownBrandGoesToExiftool(@TempDir Path dir) throws Exception {
        Path clip = Fixtures.video(dir.resolve("clip.mp4"), 1, "-metadata", "creation_time=2023-07-01T02:30:00Z");
        assertThat(IsoBoxes.whole(clip)).isTrue();
        assertThat(LibraryTags.read(clip)).containsEntry("File:FileType", "MP4")
                .containsEntry("QuickTime:CreateDate", "2023:07:01 02:30:00");

        byte[] bytes = Files.readAllBytes(clip);
        Path cut = Files.write(dir.resolve("cut.mp4"), Arrays.copyOf(bytes, bytes.length - 1));
        assertThat(IsoBoxes.whole(cut)).isFalse();
        assertThat(LibraryTags.read(cut)).isNull();

        byte[] avif = bytes.clone();
        System.arraycopy("avif".getBytes(StandardCharsets.US_ASCII), 0, avif, 8, 4);
        assertThat(LibraryTags.read(Files.write(dir.resolve("odd.mp4"), avif))).isNull();
    }

    @Test
    void aHeicWhoseSizeIsNotClearlyThePrimaryImagesGoesToExiftool(@TempDir Path dir) throws Exception {
        RequiredTools.need(Tools.onPath("heif-enc"), "heif-enc (libheif-examples, makes the HEIC fixture)");
        Path single = dir.resolve("single.heic");
        Fixtures.run("heif-enc", "-o", single.toString(), Fixtures.png(dir.resolve("source.png")).toString());
        assertThat(LibraryTags.read(single)).containsEntry("File:FileType", "HEIC")
                .containsEntry("File:ImageWidth", 160).containsEntry("File:ImageHeight", 120);

        // a phone's grid: EXIF names a primary size the one recorded extent does not match
        Path grid = Fixtures.exiftoolWrite(Files.copy(single, dir.resolve("grid.heic")), "-ExifImageWidth=4032",
                "-ExifImageHeight=3024");
        assertThat(LibraryTags.read(grid)).isNull();
    }

    @Test
    void aLengthFieldClaimingGigabytesLeavesTheFileToExiftool(@TempDir Path dir) throws Exception {
        byte[] png = Files.readAllBytes(Fixtures.png(dir.resolve("whole.png")));
        // after the signature (8) and IHDR (25): a text chunk that says it holds 2 GB
        byte[] lie = {0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xF0, 't', 'E', 'X', 't', 'a', 'b', 'c'};
        byte[] damaged = new byte[png.length + lie.length];
        System.arraycopy(png, 0, damaged, 0, 33);
        System.arraycopy(lie, 0, damaged, 33, lie.length);
        System.arraycopy(png, 33, damaged, 33 + lie.length, png.length - 33);

        assertThat(LibraryTags.read(Files.write(dir.resolve("damaged.png"), damaged))).isNull();
    }

    @Test
    void otherFormatsGoToExiftool(@TempDir Path dir) throws Exception {
        assertThat(LibraryTags.read(Fixtures.floatTiff(dir.resolve("scan.tif")))).isNull();
        assertThat(LibraryTags.read(Files.writeString(dir.resolve("notes.jpg"), "not a photo"))).isNull();
    }
}
