package io.mediapipeline.dashboard;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.proc.PrivateDir;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * The management token, kept only as its SHA-256: from the settings (or the environment), else from the token file,
 * which is made at the first start (256 random bits as hex, mode 0600, its folder 0700). A token file others could
 * read is refused: anyone who reads it owns the dashboard.
 */
public final class ManagementToken {

    private final byte[] hash;

    private ManagementToken(String token) {
        this.hash = sha256(token);
    }

    public static ManagementToken of(DashboardConfig cfg) {
        if (!cfg.token().isEmpty()) {
            return new ManagementToken(cfg.token());
        }
        return new ManagementToken(readOrCreate(cfg.tokenFile()));
    }

    /** True when {@code given} is the token; compares hashes, so neither the length nor a prefix leaks by timing. */
    public boolean matches(String given) {
        return given != null && MessageDigest.isEqual(hash, sha256(given));
    }

    static String readOrCreate(Path file) {
        String key = DashboardConfig.PREFIX + "token-file";
        try {
            if (!Files.exists(file)) {
                PrivateDir.create(file.getParent());
                byte[] random = new byte[32];
                new SecureRandom().nextBytes(random);
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, HexFormat.of().formatHex(random) + "\n", StandardOpenOption.TRUNCATE_EXISTING);
            }
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (mode.contains(PosixFilePermission.GROUP_READ) || mode.contains(PosixFilePermission.OTHERS_READ)) {
                throw new ConfigException(key + ": " + file + " can be read by others (mode "
                        + PosixFilePermissions.toString(mode) + "): chmod 600 " + file);
            }
            String token = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (token.length() < DashboardConfig.MIN_TOKEN_LENGTH) {
                throw new ConfigException(key + ": the token in " + file + " must be at least "
                        + DashboardConfig.MIN_TOKEN_LENGTH + " characters, got " + token.length()
                        + " (delete the file to have a new one made)");
            }
            return token;
        } catch (IOException e) {
            throw new ConfigException(key + ": cannot read or create " + file + " (" + e.getMessage() + ")");
        }
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
