package io.mediapipeline.media;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/** Content identity for the ledger's UNIQUE key; streams the file so multi-gigabyte videos never sit in memory. */
public final class Hasher {

    private static final int BUFFER = 1 << 20;

    private Hasher() {
    }

    /** SHA-256 of the file's bytes, lower-case hex. */
    public static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return sha256(in, OutputStream.nullOutputStream());
        }
    }

    /** SHA-256 of everything read from in, written to copy on the way (one pass for a verified copy). */
    public static String sha256(InputStream in, OutputStream copy) throws IOException {
        MessageDigest digest = Sha256.digest();
        byte[] buffer = new byte[BUFFER];
        int n;
        while ((n = in.read(buffer)) > 0) {
            digest.update(buffer, 0, n);
            copy.write(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
