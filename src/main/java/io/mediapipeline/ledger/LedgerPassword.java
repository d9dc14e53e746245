package io.mediapipeline.ledger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;

/**
 * The embedded server's superuser password: random, made at the first start and kept in
 * {@code state/ledger.password} (mode 0600), so no other local user can open the ledger.
 */
public final class LedgerPassword {

    public static final String FILE_NAME = "ledger.password";

    private static final int LENGTH = 40;
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");

    private final Path file;
    private final String value;

    private LedgerPassword(Path file, String value) {
        this.file = file;
        this.value = value;
    }

    /**
     * The password in {@code file}, made now if the cluster in {@code dataDir} has none yet. A cluster
     * that already asks for a password while the file is gone cannot be opened: that is said, not papered over.
     */
    static LedgerPassword forCluster(Path file, Path dataDir) throws IOException {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return read(file);
        }
        if (Files.exists(dataDir.resolve("PG_VERSION")) && !TrustMigration.trusts(dataDir)) {
            throw new IllegalStateException(file + " is missing, and the embedded PostgreSQL in " + dataDir
                    + " requires the password it held: restore the file from a backup of state/");
        }
        StringBuilder sb = new StringBuilder(LENGTH);
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < LENGTH; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        writePrivate(file, sb + "\n");
        return new LedgerPassword(file, sb.toString());
    }

    private static LedgerPassword read(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalStateException(file + " is not a regular file");
        }
        if (!Files.getPosixFilePermissions(file).equals(PRIVATE)) {
            Files.setPosixFilePermissions(file, PRIVATE); // a copy restored from a backup may have lost its mode
        }
        String value = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (value.isEmpty() || value.contains("\n")) {
            throw new IllegalStateException(file + " must hold the password on one line");
        }
        return new LedgerPassword(file, value);
    }

    /** Writes a private file (0600 from its creation) atomically and durably: temp name, fsync, rename, fsync the directory. */
    static void writePrivate(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel out = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PRIVATE))) {
            ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    public Path file() {
        return file;
    }

    String value() {
        return value;
    }

    @Override
    public String toString() {
        return "password in " + file;
    }
}
