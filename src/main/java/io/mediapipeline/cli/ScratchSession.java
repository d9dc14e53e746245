package io.mediapipeline.cli;

import io.mediapipeline.icloud.web.IcloudWebException;
import io.mediapipeline.icloud.web.PhotosWeb;
import io.mediapipeline.icloud.web.PhotosWebLogin;
import io.mediapipeline.icloud.web.SessionCopy;
import io.mediapipeline.proc.PrivateDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A command's own signed-in session: a private copy of icloudpd's session (the running service's copy is its own,
 * and icloudpd's is never written) in a 0700 folder under state/, deleted when the command is done with it.
 */
final class ScratchSession implements AutoCloseable {

    private final Path dir;
    private final PhotosWeb web;

    private ScratchSession(Path dir, PhotosWeb web) {
        this.dir = dir;
        this.web = web;
    }

    static ScratchSession signIn(PhotosWebLogin login, Path stateDir, Path cookieDir, String username, String purpose)
            throws IcloudWebException, IOException {
        Path dir = Files.createTempDirectory(PrivateDir.create(stateDir), purpose + "-icloud-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            SessionCopy.refresh(cookieDir, dir, username);
            return new ScratchSession(dir, login.signIn(dir, username));
        } catch (IcloudWebException | IOException | RuntimeException e) {
            delete(dir, purpose);
            throw e;
        }
    }

    PhotosWeb web() {
        return web;
    }

    @Override
    public void close() {
        web.close();
        delete(dir, "");
    }

    private static void delete(Path dir, String purpose) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // inside the 0700 state folder, so a leftover is no exposure; say so rather than fail the command
            System.err.println("could not remove the session copy " + dir + ": " + e.getMessage());
        }
    }
}
