package io.mediapipeline.flow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

/**
 * New originals are made read-only when they are placed. Originals placed by a version that did not do so get
 * the mode once: the first start walks originals/ and then leaves a marker, so later starts cost one stat.
 */
public final class ReadOnlyOriginals {

    /** In state/ (the pipeline's private folder), where no consumer or count of the data folders sees it. */
    public static final String MARKER = "originals-read-only";

    private ReadOnlyOriginals() {
    }

    /** @return how many originals were made read-only now */
    public static int ensure(Path home) throws IOException {
        Path originals = home.resolve("originals");
        Path marker = home.resolve("state").resolve(MARKER);
        if (!Files.isDirectory(originals) || Files.exists(marker)) {
            return 0;
        }
        int n = 0;
        try (Stream<Path> walk = Files.walk(originals)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && writable(p)) {
                    Durable.makeReadOnly(p);
                    n++;
                }
            }
        }
        if (!Files.isDirectory(marker.getParent())) {
            Files.createDirectories(marker.getParent(), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        }
        Files.writeString(marker, "every file in originals/ is read-only (mode 0444); new ones are made so when placed\n");
        Durable.syncDir(marker.getParent());
        return n;
    }

    private static boolean writable(Path p) throws IOException {
        var perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        return perms.contains(PosixFilePermission.OWNER_WRITE) || perms.contains(PosixFilePermission.GROUP_WRITE)
                || perms.contains(PosixFilePermission.OTHERS_WRITE);
    }
}
