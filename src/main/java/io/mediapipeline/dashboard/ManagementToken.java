package io.mediapipeline.dashboard;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.proc.PrivateFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The management token, kept only as its SHA-256: from the settings (or the environment), else from the token file,
 * which is made at the first start (256 random bits as hex; a {@link PrivateFile}). A token file others could read,
 * or a link, is refused: anyone who reads it owns the dashboard.
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
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                byte[] random = new byte[32];
                new SecureRandom().nextBytes(random);
                PrivateFile.write(file, HexFormat.of().formatHex(random) + "\n");
            }
            String token = PrivateFile.readString(file).trim();
            if (token.length() < DashboardConfig.MIN_TOKEN_LENGTH) {
                throw new ConfigException(key + ": the token in " + file + " must be at least "
                        + DashboardConfig.MIN_TOKEN_LENGTH + " characters, got " + token.length()
                        + " (delete the file to have a new one made)");
            }
            return token;
        } catch (PrivateFile.NotPrivate e) {
            throw new ConfigException(key + ": " + e.getMessage());
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
