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
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A command's own signed-in session: a private copy of icloudpd's session (the running service's copy is its own,
 * and icloudpd's is never written) in a 0700 folder under state/, deleted when the command is done with it.
 */
final class ScratchSession implements AutoCloseable {

    private static final Duration QUIET = Duration.ofSeconds(3);

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
            copyWhileQuiet(cookieDir, dir, username);
            return new ScratchSession(dir, login.signIn(dir, username));
        } catch (IcloudWebException | IOException | RuntimeException e) {
            delete(dir, purpose);
            throw e;
        }
    }

    /**
     * A command runs outside the service, so it cannot take the account's lock: it copies only a session that has
     * not changed for a few seconds and did not change while it was copied (icloudpd rewrites it on every request).
     */
    private static void copyWhileQuiet(Path cookieDir, Path dir, String username) throws IOException {
        String name = SessionCopy.fileName(username);
        List<Path> files = List.of(cookieDir.resolve(name), cookieDir.resolve(name + ".session"));
        for (int attempt = 1; ; attempt++) {
            List<FileTime> before = times(files);
            boolean quiet = before.stream().allMatch(t -> t.toInstant().isBefore(Instant.now().minus(QUIET)));
            if (quiet) {
                SessionCopy.refresh(cookieDir, dir, username);
                if (before.equals(times(files))) {
                    return;
                }
            }
            if (attempt == 3) {
                throw new IOException("icloudpd keeps rewriting its session in " + cookieDir
                        + " (a download or sign-in is running); try again when it has finished");
            }
            try {
                Thread.sleep(QUIET.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for icloudpd's session to settle", e);
            }
        }
    }

    private static List<FileTime> times(List<Path> files) throws IOException {
        List<FileTime> out = new ArrayList<>();
        for (Path f : files) {
            out.add(Files.getLastModifiedTime(f));
        }
        return out;
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
