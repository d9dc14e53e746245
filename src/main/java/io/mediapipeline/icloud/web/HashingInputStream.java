package io.mediapipeline.icloud.web;

import io.mediapipeline.media.Sha256;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/** A stream that hashes (SHA-256) and counts what is read through it: the proof of what was actually sent. */
final class HashingInputStream extends FilterInputStream {

    private final MessageDigest digest;
    private long count;

    HashingInputStream(InputStream in) {
        this(in, Sha256.digest());
    }

    private HashingInputStream(InputStream in, MessageDigest digest) {
        super(new DigestInputStream(in, digest));
        this.digest = digest;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            count++;
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) {
            count += n;
        }
        return n;
    }

    @Override
    public long skip(long n) {
        return 0; // every byte sent must pass the digest
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    long count() {
        return count;
    }

    /** The hex SHA-256 of what was read; call once, after the last read. */
    String sha256Hex() {
        return HexFormat.of().formatHex(digest.digest());
    }
}
