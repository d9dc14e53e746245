package io.mediapipeline.icloud.web;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * STUB standing in for the web client's SessionCopy until it is on this branch (same signatures): copies
 * icloudpd's session ({@code <name>} and {@code <name>.session}) into a folder of the caller's own, because
 * icloudpd rewrites its files on every request.
 */
public final class SessionCopy {

    private SessionCopy() {
    }

    /** Copies both files into {@code ownDir} (0700, files 0600) when icloudpd's are newer; true if copied. */
    public static boolean refresh(Path icloudpdCookieDir, Path ownDir, String username) throws IOException {
        String name = fileName(username);
        Path jar = icloudpdCookieDir.resolve(name);
        Path session = icloudpdCookieDir.resolve(name + ".session");
        if (!Files.isRegularFile(jar) || !Files.isRegularFile(session)) {
            return false;
        }
        Files.createDirectories(ownDir);
        Files.setPosixFilePermissions(ownDir, PosixFilePermissions.fromString("rwx------"));
        Path ownSession = ownDir.resolve(name + ".session");
        FileTime theirs = Files.getLastModifiedTime(session);
        if (Files.isRegularFile(ownSession) && Files.getLastModifiedTime(ownSession).compareTo(theirs) >= 0) {
            return false;
        }
        for (Path from : new Path[] {jar, session}) {
            Path tmp = ownDir.resolve("." + from.getFileName() + ".copy");
            // inside the 0700 folder, so no one else sees the copy before its mode is narrowed
            Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.setLastModifiedTime(tmp, Files.getLastModifiedTime(from));
            Files.move(tmp, ownDir.resolve(from.getFileName()), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        }
        return true;
    }

    /** The Apple ID reduced to [A-Za-z0-9_], as icloudpd names its session files. */
    public static String fileName(String username) {
        return username.replaceAll("[^A-Za-z0-9_]", "");
    }
}
