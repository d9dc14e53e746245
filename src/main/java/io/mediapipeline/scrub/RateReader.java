package io.mediapipeline.scrub;

import io.mediapipeline.media.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

/** Reads files through SHA-256 under the read-rate cap, counting every byte it read (for the run's throughput). */
final class RateReader {

    private static final int CHUNK = 1 << 20;

    /** What a file's bytes hash to, and how many there were. */
    record Digest(String sha256, long size) {
    }

    private final ReadLimiter limiter;
    private final AtomicLong bytesRead = new AtomicLong();

    RateReader(ReadLimiter limiter) {
        this.limiter = limiter;
    }

    Digest hash(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return copy(in, null);
        }
    }

    /** The bytes of {@code in} through SHA-256, also into {@code out} when it is not null. */
    Digest copy(InputStream in, OutputStream out) throws IOException {
        MessageDigest md = Sha256.digest();
        byte[] buf = new byte[CHUNK];
        long size = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            limiter.acquire(n);
            md.update(buf, 0, n);
            if (out != null) {
                out.write(buf, 0, n);
            }
            size += n;
            bytesRead.addAndGet(n);
        }
        return new Digest(HexFormat.of().formatHex(md.digest()), size);
    }

    long bytesRead() {
        return bytesRead.get();
    }
}
