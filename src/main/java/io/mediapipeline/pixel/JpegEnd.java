package io.mediapipeline.pixel;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a JPEG's primary image ends (just after its end-of-image marker), by walking its marker segments and
 * entropy-coded scans. Bytes after it - an iPhone's appended gain map, say - are the Motion Photo's padding.
 */
final class JpegEnd {

    private JpegEnd() {
    }

    /** Bytes from the start of the file to the end of the primary image's EOI marker. */
    static long primaryLength(Path jpeg) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(jpeg))) {
            Reader r = new Reader(in);
            if (r.next() != 0xFF || r.next() != 0xD8) {
                throw new IOException(jpeg.getFileName() + " does not start like a JPEG");
            }
            int marker = r.marker();
            while (true) {
                if (marker == 0xD9) {
                    return r.pos;
                }
                if (marker == 0x01 || marker >= 0xD0 && marker <= 0xD7) {
                    marker = r.marker(); // stand-alone markers carry no length
                    continue;
                }
                int length = (r.next() << 8) | r.next();
                r.skip(length - 2L);
                marker = marker == 0xDA ? r.afterScan() : r.marker();
            }
        }
    }

    private static final class Reader {
        private final InputStream in;
        private long pos;

        Reader(InputStream in) {
            this.in = in;
        }

        int next() throws IOException {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the JPEG ends before its end-of-image marker");
            }
            pos++;
            return b;
        }

        void skip(long n) throws IOException {
            for (long i = 0; i < n; i++) {
                next();
            }
        }

        /** The next marker's code, after 0xFF and any fill bytes. */
        int marker() throws IOException {
            if (next() != 0xFF) {
                throw new IOException("a JPEG segment does not start with a marker");
            }
            int m = next();
            while (m == 0xFF) {
                m = next();
            }
            return m;
        }

        /** Reads entropy-coded data to the marker that ends it (stuffed zeros and restart markers belong to it). */
        int afterScan() throws IOException {
            while (true) {
                if (next() != 0xFF) {
                    continue;
                }
                int m = next();
                while (m == 0xFF) {
                    m = next();
                }
                if (m != 0x00 && (m < 0xD0 || m > 0xD7)) {
                    return m;
                }
            }
        }
    }
}
