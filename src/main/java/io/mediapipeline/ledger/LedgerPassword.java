package io.mediapipeline.ledger;

import io.mediapipeline.proc.PrivateFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.util.PasswordUtil;

/**
 * The embedded server's superuser password: random, made at the first start and kept in
 * {@code state/ledger.password} (mode 0600), so no other local user can open the ledger.
 */
public final class LedgerPassword {

    public static final String FILE_NAME = "ledger.password";

    private static final int LENGTH = 40;
    private static final String ONE_ITERATION = "SCRAM-SHA-256$1:";
    private static final int SALT_BYTES = 16;
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

    /**
     * Stores this password's SCRAM verifier with one iteration instead of PostgreSQL's 4096, once per cluster. The
     * iterations slow down guessing a password from a stolen verifier; one made here is 40 random characters (238
     * bits), which no number of guesses finds, while 4096 iterations cost every connection of every command about
     * 10 ms of CPU, 30 ms for a command's first one. Another password (written into the file by hand before the
     * cluster was made, not 40 or more letters and digits) keeps the server's default.
     */
    void useOneIteration(DataSource ds) throws SQLException {
        if (value.length() < LENGTH || !value.chars().allMatch(ch -> ALPHABET.indexOf(ch) >= 0)) {
            return;
        }
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("select rolpassword from pg_authid where rolname = current_user")) {
                if (!rs.next() || rs.getString(1) == null || rs.getString(1).startsWith(ONE_ITERATION)) {
                    return;
                }
            }
            byte[] salt = new byte[SALT_BYTES];
            new SecureRandom().nextBytes(salt);
            PGConnection pg = c.unwrap(PGConnection.class);
            // the verifier, not the password, is what the statement carries (as pgjdbc's alterUserPassword does)
            s.execute("alter role " + pg.escapeIdentifier(c.getMetaData().getUserName()) + " password '"
                    + pg.escapeLiteral(PasswordUtil.encodeScramSha256(value.toCharArray(), 1, salt)) + "'");
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
