package io.mediapipeline.dashboard.files;

import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.CaptureTime;
import io.mediapipeline.media.Hasher;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.UUID;

/** Files in a test's data directory and ledger, put there the way the stages record them. */
final class Library {

    record File(UUID id, String sha256, Path original, Path archive) {
    }

    private final Ledger ledger;
    private final Path home;
    private final long runId;

    Library(Ledger ledger, Path home) {
        this.ledger = ledger;
        this.home = home;
        this.runId = ledger.openRun("once", "test");
    }

    /** An archived file with these bytes: its original under originals/ and a hard link in sorted/. */
    File archived(String name, MediaKind kind, OffsetDateTime taken, byte[] bytes) throws IOException {
        File f = ingested(name, kind, taken, bytes);
        Path archive = home.resolve("sorted").resolve(kind == MediaKind.PHOTO ? "photos" : "videos").resolve(f.sha256().substring(0, 8))
                .resolve(name);
        Files.createDirectories(archive.getParent());
        Files.createLink(archive, f.original());
        ledger.markArchived(f.id(), archive.toString());
        return new File(f.id(), f.sha256(), f.original(), archive);
    }

    /** An ingested file: its original under originals/ and its input's row, imported. */
    File ingested(String name, MediaKind kind, OffsetDateTime taken, byte[] bytes) throws IOException {
        Path original = home.resolve("originals").resolve(UUID.randomUUID().toString().substring(0, 8)).resolve(name);
        Files.createDirectories(original.getParent());
        Files.write(original, bytes);
        String sha = Hasher.sha256(original);
        String ext = name.substring(name.lastIndexOf('.') + 1);
        MediaInfo info = new MediaInfo(kind, kind == MediaKind.PHOTO ? "jpeg" : "mov", ext,
                kind == MediaKind.PHOTO ? "image/jpeg" : "video/quicktime", 640, 480, null, 0, false, null, null,
                taken == null ? null : new CaptureTime(taken, "EXIF DateTimeOriginal", true), null, null, null);
        String sourcePath = "/library/" + name;
        UUID id = ledger.claim(sha, bytes.length, info, "folder", name, sourcePath).mediaId();
        String key = "folder:" + sourcePath + "|" + UUID.randomUUID();
        long input = ledger.admitSource(runId, "folder", key, sourcePath, bytes.length).sourceFileId();
        ledger.markIngested(id, original.toString(), input, sha);
        return new File(id, sha, original, null);
    }

    /** A quarantined input (path: under its inbox, or the folder source's) whose copy was kept in quarantine/. */
    long quarantined(String source, String path, byte[] bytes, String reason) throws IOException {
        String name = Path.of(path).getFileName().toString();
        Path place = home.resolve("quarantine/2026-12-01").resolve(name);
        Files.createDirectories(place.getParent());
        Files.write(place, bytes);
        String sourcePath = (source.equals("folder") ? Path.of("/library") : home.resolve("inbox").resolve(source))
                .resolve(path).toString();
        long id = ledger.admitSource(runId, source, source + ":" + sourcePath + "|" + UUID.randomUUID(), sourcePath,
                bytes.length).sourceFileId();
        ledger.recordQuarantine(id, Hasher.sha256(place), place.toString(), reason);
        return id;
    }

    static byte[] bytes(String text) {
        return (text + " " + "x".repeat(2000)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
