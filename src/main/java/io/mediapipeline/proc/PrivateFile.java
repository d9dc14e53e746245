package io.mediapipeline.proc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * A secret kept in a file only this user can read (a token, a password, a session): mode 0600 from its creation,
 * in a folder of mode 0700, written whole under a temporary name, synced, renamed into place and the folder synced,
 * so a crash leaves either the old file or the new one, never an empty or half-written one. A symbolic link is never
 * followed, and a file that others could read is refused rather than quietly repaired: whoever could read it may
 * already have the secret, so the operator decides (chmod 600, or a new secret).
 */
public final class PrivateFile {

    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    /** A secret file that is not private (a link, not a regular file, or open to others); the message says which. */
    public static final class NotPrivate extends IOException {
        NotPrivate(String message) {
            super(message);
        }
    }

    /** Stands between the synced temporary file and its rename; a test makes it fail as a crash would. */
    interface BeforeRename {
        void run(Path tmp) throws IOException;
    }

    private PrivateFile() {
    }

    public static void write(Path file, String text) throws IOException {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, bytes, tmp -> { });
    }

    static void write(Path file, byte[] bytes, BeforeRename beforeRename) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        PrivateDir.create(dir);
        if (Files.isSymbolicLink(file)) {
            throw new NotPrivate(file + " is a symbolic link; a secret file must be the file itself (remove the link)");
        }
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp); // a crashed write's leftover (a link there is removed, never followed)
        try (FileChannel out = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            out.force(true);
        }
        beforeRename.run(tmp);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        // the new name lives in the folder: synced too, or a power cut can bring back the old file (or none)
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** The file's text, once it is known to be a regular file (not a link) that only its owner can read or write. */
    public static String readString(Path file) throws IOException {
        return new String(read(file), StandardCharsets.UTF_8);
    }

    public static byte[] read(Path file) throws IOException {
        PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isSymbolicLink()) {
            throw new NotPrivate(file + " is a symbolic link; a secret file must be the file itself (remove the link)");
        }
        if (!a.isRegularFile()) {
            throw new NotPrivate(file + " is not a regular file");
        }
        if (a.permissions().stream().anyMatch(OTHERS::contains)) {
            throw new NotPrivate(file + " can be read or changed by others (mode "
                    + PosixFilePermissions.toString(a.permissions()) + "): chmod 600 " + file);
        }
        // NOFOLLOW again on open: a link swapped in after the check above is refused too
        try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return in.readAllBytes();
        }
    }
}
