package io.mediapipeline.ledger;

import io.mediapipeline.proc.PrivateFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;

/**
 * The embedded server's superuser password: random, made at the first start and kept in
 * {@code state/ledger.password} (mode 0600), so no other local user can open the ledger.
 */
public final class LedgerPassword {

    public static final String FILE_NAME = "ledger.password";

    private static final int LENGTH = 40;
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

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
        PrivateFile.write(file, sb + "\n");
        return new LedgerPassword(file, sb.toString());
    }

    /** Refused, not repaired, when others could read it (a copy restored without its mode): see {@link PrivateFile}. */
    private static LedgerPassword read(Path file) throws IOException {
        String value = PrivateFile.readString(file).strip();
        if (value.isEmpty() || value.contains("\n")) {
            throw new IllegalStateException(file + " must hold the password on one line");
        }
        return new LedgerPassword(file, value);
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
