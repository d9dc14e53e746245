package io.mediapipeline.icloud.web;

import io.mediapipeline.proc.PrivateDir;
import io.mediapipeline.proc.PrivateFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

/**
 * The uploader's own copy of icloudpd's session. icloudpd rewrites its cookie jar and session file on every request,
 * so the uploader never works in icloudpd's folder: it copies both files into its own (0700, files 0600) when
 * icloudpd's are newer than the copy. The caller holds the account's lock, so icloudpd is not writing meanwhile.
 */
public final class SessionCopy {

    private SessionCopy() {
    }

    /** The file name icloudpd gives an Apple ID's session: the ID reduced to [A-Za-z0-9_]. */
    public static String fileName(String username) {
        return username.replaceAll("[^A-Za-z0-9_]", "");
    }

    /**
     * Copies {@code <name>} and {@code <name>.session} from icloudpd's cookie folder into {@code ownDir} when
     * icloudpd has a session and it is newer than the copy (or there is no copy yet). True when copied.
     */
    public static boolean refresh(Path icloudpdCookieDir, Path ownDir, String username) throws IOException {
        String name = fileName(username);
        List<String> names = List.of(name, name + ".session");
        PrivateDir.create(ownDir);
        FileTime theirs = newest(icloudpdCookieDir, names);
        if (theirs == null || !Files.isRegularFile(icloudpdCookieDir.resolve(name))) {
            return false;
        }
        FileTime ours = newest(ownDir, names);
        if (ours != null && ours.compareTo(theirs) >= 0 && names.stream().allMatch(n -> Files.isRegularFile(ownDir.resolve(n)))) {
            return false;
        }
        for (String n : names) {
            Path from = icloudpdCookieDir.resolve(n);
            Path to = ownDir.resolve(n);
            if (Files.isRegularFile(from)) {
                PrivateFile.write(to, Files.readAllBytes(from));
                // the copy carries the source's time, so "newer" compares icloudpd's writes, not this copy's
                Files.setLastModifiedTime(to, Files.getLastModifiedTime(from));
            } else {
                Files.deleteIfExists(to); // the pair stays consistent: no old tokens beside a new jar
            }
        }
        return true;
    }

    private static FileTime newest(Path dir, List<String> names) throws IOException {
        FileTime newest = null;
        for (String n : names) {
            Path f = dir.resolve(n);
            if (Files.isRegularFile(f)) {
                FileTime t = Files.getLastModifiedTime(f);
                newest = newest == null || t.compareTo(newest) > 0 ? t : newest;
            }
        }
        return newest;
    }
}
