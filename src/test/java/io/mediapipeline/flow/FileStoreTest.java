package io.mediapipeline.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.media.Hasher;
import io.mediapipeline.support.DiskSyncs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStoreTest {

    @TempDir
    Path dir;

    @Test
    void aSweepLeavesAMotionPhotosTempWhichTheLedgerMayAlreadyRecord(@TempDir Path dir) throws Exception {
        Path batch = Files.createDirectories(dir.resolve("bridge/pixel/batch-1"));
        Path crashed = Files.writeString(batch.resolve(".4f1c" + FileStore.TEMP_SUFFIX), "half");
        Path motion = Files.writeString(batch.resolve(".IMG_1.MP.jpg" + FileStore.TEMP_SUFFIX), "recorded, not named");

        assertThat(FileStore.sweepTemps(dir.resolve("bridge"))).isEqualTo(1);
        assertThat(crashed).doesNotExist();
        assertThat(motion).as("the Pixel stage's start names it or sweeps it").exists();
    }

    @Test
    void clashWithOtherContentGetsSuffixNeverOverwrite() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "first");
        Path b = Files.writeString(dir.resolve("b"), "second");
        Path out = dir.resolve("out");
        Path p1 = FileStore.place(a, out, "IMG_1.jpg", Hasher.sha256(a), FileStore.Mode.COPY);
        Path p2 = FileStore.place(b, out, "IMG_1.jpg", Hasher.sha256(b), FileStore.Mode.COPY);
        assertThat(p1.getFileName().toString()).isEqualTo("IMG_1.jpg");
        assertThat(p2.getFileName().toString()).isEqualTo("IMG_1_1.jpg");
        assertThat(Files.readString(p1)).isEqualTo("first");
        assertThat(Files.readString(p2)).isEqualTo("second");
    }

    @Test
    void samePlacementTwiceIsIdempotent() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "content");
        Path out = dir.resolve("out");
        Path p1 = FileStore.place(a, out, "x.jpg", Hasher.sha256(a), FileStore.Mode.COPY);
        Path p2 = FileStore.place(a, out, "x.jpg", Hasher.sha256(a), FileStore.Mode.COPY);
        assertThat(p2).isEqualTo(p1);
        try (var s = Files.list(out)) {
            assertThat(s.count()).isEqualTo(1);
        }
    }

    @Test
    void linkModeSharesTheInodeAndCopyModeDoesNot() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "content");
        Path linked = FileStore.place(a, dir.resolve("l"), "x", Hasher.sha256(a), FileStore.Mode.LINK_OR_COPY);
        Path copied = FileStore.place(a, dir.resolve("c"), "x", Hasher.sha256(a), FileStore.Mode.COPY);
        assertThat(Files.isSameFile(a, linked)).isTrue();
        assertThat(Files.isSameFile(a, copied)).isFalse();
    }

    @Test
    void copyThatReadsDifferentlyThanHashedIsRefusedAndLeavesNothing() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "changed after hashing");
        Path out = dir.resolve("out");
        String hashedEarlier = Hasher.sha256(Files.writeString(dir.resolve("before"), "as hashed"));
        assertThatThrownBy(() -> FileStore.place(a, out, "x.jpg", hashedEarlier, FileStore.Mode.COPY))
                .isInstanceOf(SourceChangedException.class).hasMessageContaining(a.toString());
        try (var s = Files.list(out)) {
            assertThat(s.toList()).as("neither the name nor a temp file").isEmpty();
        }
    }

    @Test
    void symbolicLinkIsCopiedNeverLinked() throws Exception {
        Path target = Files.writeString(dir.resolve("photo"), "bytes");
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        Path placed = FileStore.place(link, dir.resolve("out"), "x.jpg", Hasher.sha256(target), FileStore.Mode.LINK_OR_COPY);
        assertThat(Files.isSymbolicLink(placed)).as("the original is the photo, not a link to it").isFalse();
        assertThat(Files.readString(placed)).isEqualTo("bytes");
    }

    @Test
    void readOnlyPlacementSetsModeOnTheInodeBeforeTheName() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "content");
        Path linked = FileStore.place(a, dir.resolve("l"), "x", Hasher.sha256(a), FileStore.Mode.LINK_OR_COPY, true);
        Path b = Files.writeString(dir.resolve("b"), "other");
        Files.setLastModifiedTime(b, FileTime.from(Instant.parse("2019-05-05T12:00:00Z")));
        Path copied = FileStore.place(b, dir.resolve("c"), "x", Hasher.sha256(b), FileStore.Mode.COPY, true);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(linked))).isEqualTo("r--r--r--");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(a))).as("same inode").isEqualTo("r--r--r--");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copied))).isEqualTo("r--r--r--");
        assertThat(Files.getLastModifiedTime(copied)).as("a copy keeps the time the capture date may come from")
                .isEqualTo(FileTime.from(Instant.parse("2019-05-05T12:00:00Z")));
    }

    @Test
    void everyNewNameAndLinkedFileIsOnTheDiskWhenThePlacementReturns() throws Exception {
        // the callers write the ledger row right after these return: quarantine, organize and the Pixel staging
        // (place, moveNew), compressed/ and the hand-off queues (linkReplacing), the iCloud hand-over (linkOrCopyNew)
        Path a = Files.writeString(dir.resolve("a"), "a");
        Path encode = Files.writeString(dir.resolve("encode.mp4"), "fresh from ffmpeg");
        Path download = Files.writeString(dir.resolve("download.jpg"), "from icloudpd");
        Path unreadable = Files.writeString(Files.createDirectories(dir.resolve("inbox")).resolve("u.jpg"), "u");
        try (DiskSyncs syncs = DiskSyncs.record()) {
            Path copied = FileStore.place(a, dir.resolve("quarantine"), "a.jpg", Hasher.sha256(a), FileStore.Mode.COPY);
            Path linked = FileStore.place(a, dir.resolve("sorted"), "a.jpg", Hasher.sha256(a), FileStore.Mode.LINK_OR_COPY);
            Path compressed = dir.resolve("compressed/2024/05/x.mp4");
            FileStore.linkReplacing(encode, compressed);
            Path handedOver = dir.resolve("inbox/icloud/me/download.jpg");
            FileStore.linkOrCopyNew(download, handedOver);
            Path moved = FileStore.moveNew(unreadable, dir.resolve("quarantine/moved"), "u.jpg");

            for (Path name : List.of(copied, linked, compressed, handedOver, moved)) {
                assertThat(syncs.forced(name.getParent())).as("the folder holding %s", name).isTrue();
            }
            assertThat(syncs.forced(unreadable.getParent())).as("the moved file's old folder").isTrue();
            assertThat(syncs.forced(a)).as("a linked file's bytes").isTrue();
            assertThat(syncs.forced(encode)).as("the encode's bytes, before compressed/ names it").isTrue();
            assertThat(syncs.forced(download)).as("the download's bytes").isTrue();
        }
    }

    @Test
    void namesAreMadeSafe() {
        assertThat(FileStore.safeName("a\nb.jpg")).isEqualTo("a_b.jpg");
        assertThat(FileStore.safeName(".hidden.jpg")).isEqualTo("_.hidden.jpg");
        assertThat(FileStore.safeName("Beach day – été.jpg")).isEqualTo("Beach day – été.jpg");
        assertThat(FileStore.safeName("x".repeat(300) + ".jpg")).endsWith(".jpg").hasSizeLessThanOrEqualTo(200);
    }

    @Test
    void tempFilesAreSwept() throws Exception {
        Files.createDirectories(dir.resolve("d"));
        Files.writeString(dir.resolve("d/.abc" + FileStore.TEMP_SUFFIX), "half");
        Files.writeString(dir.resolve("d/keep.jpg"), "whole");
        assertThat(FileStore.sweepTemps(dir)).isEqualTo(1);
        assertThat(dir.resolve("d/keep.jpg")).exists();
    }
}
