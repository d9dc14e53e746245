package io.mediapipeline.archive;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ledger.MediaRecord;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ArchivePathsTest {

    private static final Path SORTED = Path.of("/a/sorted");
    private static final OffsetDateTime NOW = OffsetDateTime.parse("2026-11-27T10:00:00Z");

    private static MediaRecord rec(String kind, String name, String ext, String captured, String source) {
        return new MediaRecord(UUID.randomUUID(), "0".repeat(64), 1, kind, ext, name,
                captured == null ? null : OffsetDateTime.parse(captured), source, "ingested", "/o", null);
    }

    @Test
    void localDateOfTheCaptureDecidesTheFolder() {
        var m = rec("photo", "x.jpg", "jpg", "2021-01-02T23:30:00+09:00", "EXIF:DateTimeOriginal");
        assertThat(ArchivePaths.folderFor(SORTED, m, true, NOW)).isEqualTo(SORTED.resolve("photos/2021/01/02"));
    }

    @Test
    void videosHaveTheirOwnTree() {
        var m = rec("video", "v.mov", "mov", "2024-03-06T00:30:00+01:00", "QuickTime:CreateDate");
        assertThat(ArchivePaths.folderFor(SORTED, m, true, NOW)).isEqualTo(SORTED.resolve("videos/2024/03/06"));
    }

    @Test
    void undatedOrUnbelievableGoesToUnknown() {
        assertThat(ArchivePaths.folderFor(SORTED, rec("photo", "a.jpg", "jpg", null, null), true, NOW))
                .isEqualTo(SORTED.resolve("unknown"));
        assertThat(ArchivePaths.folderFor(SORTED, rec("photo", "a.jpg", "jpg", "1970-01-01T00:00:00Z", "File:mtime"), true, NOW))
                .isEqualTo(SORTED.resolve("unknown"));
        assertThat(ArchivePaths.folderFor(SORTED, rec("photo", "a.jpg", "jpg", "2030-01-01T00:00:00Z", "EXIF:DateTimeOriginal"), true, NOW))
                .isEqualTo(SORTED.resolve("unknown"));
        assertThat(ArchivePaths.folderFor(SORTED, rec("photo", "a.jpg", "jpg", "2019-05-05T12:00:00Z", "File:mtime"), false, NOW))
                .isEqualTo(SORTED.resolve("unknown"));
    }

    @Test
    void nameKeepsTheUsersSpellingUnlessTheExtensionLies() {
        assertThat(ArchivePaths.nameFor(rec("photo", "IMG_1.JPEG", "jpg", null, null))).isEqualTo("IMG_1.JPEG");
        assertThat(ArchivePaths.nameFor(rec("photo", "fake.png", "jpg", null, null))).isEqualTo("fake.jpg");
        assertThat(ArchivePaths.nameFor(rec("video", "clip.MOV", "mp4", null, null))).isEqualTo("clip.MOV");
        // the spellings ingest accepts as right for the content are kept (media/Extensions, one list for both)
        assertThat(ArchivePaths.nameFor(rec("photo", "old.jpe", "jpg", null, null))).isEqualTo("old.jpe");
        assertThat(ArchivePaths.nameFor(rec("photo", "cam.HIF", "heic", null, null))).isEqualTo("cam.HIF");
        assertThat(ArchivePaths.nameFor(rec("photo", "still.heif", "heic", null, null))).isEqualTo("still.heif");
        assertThat(ArchivePaths.nameFor(rec("video", "movie.qt", "mov", null, null))).isEqualTo("movie.qt");
        assertThat(ArchivePaths.nameFor(rec("video", "clip.mp4", "3gp", null, null))).isEqualTo("clip.3gp");
    }
}
