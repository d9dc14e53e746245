package io.mediapipeline.icloud;

import java.nio.file.Path;

/**
 * Where the download hands its files to ingest: inbox/icloud/ACCOUNT/... under pipeline.home. A stored file's
 * source path keeps that place, so the account it was downloaded from is read back from it here, the one place that
 * knows the layout.
 */
public final class IcloudInbox {

    private IcloudInbox() {
    }

    public static Path root(Path home) {
        return home.resolve("inbox").resolve("icloud");
    }

    /** The account whose folder under inbox/icloud/ holds {@code sourcePath}, or null when it did not come from there. */
    public static String accountOf(Path home, String sourcePath) {
        if (sourcePath == null) {
            return null;
        }
        Path inbox = root(home).normalize();
        Path p = Path.of(sourcePath).normalize();
        if (!p.startsWith(inbox) || inbox.relativize(p).getNameCount() < 2) {
            return null;
        }
        return inbox.relativize(p).getName(0).toString();
    }
}
