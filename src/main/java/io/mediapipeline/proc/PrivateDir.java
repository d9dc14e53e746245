package io.mediapipeline.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** A folder only this user can enter: where a child keeps secrets (session cookies, the database). */
public final class PrivateDir {

    private PrivateDir() {
    }

    /** Creates the folder if needed and makes it mode 0700 either way. */
    public static Path create(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return dir;
    }
}
