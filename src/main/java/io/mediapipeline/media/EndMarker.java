package io.mediapipeline.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Whether a JPEG or PNG ends the way a complete file of its kind ends: JPEG with the end-of-image
 * marker FF D9 (trailing zero padding allowed), PNG with its IEND chunk. An interrupted copy or
 * download fails this at once; anything else unusual is left to a full decode.
 */
final class EndMarker {

    private static final byte[] PNG_IEND = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};
    private static final int TAIL = 4096;

    private EndMarker() {
    }

    static boolean complete(Path file, String format) throws IOException {
        if (!format.equals("jpeg") && !format.equals("png")) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            int n = (int) Math.min(TAIL, size);
            ByteBuffer buf = ByteBuffer.allocate(n);
            ch.read(buf, size - n);
            byte[] tail = buf.array();
            if (format.equals("png")) {
                return n >= PNG_IEND.length && Arrays.equals(tail, n - PNG_IEND.length, n, PNG_IEND, 0, PNG_IEND.length);
            }
            int end = n;
            while (end > 0 && tail[end - 1] == 0) {
                end--;
            }
            return end >= 2 && tail[end - 2] == (byte) 0xFF && tail[end - 1] == (byte) 0xD9;
        }
    }
}
