package io.mediapipeline.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Whether an ISO-BMFF file (MP4, MOV, HEIC) is whole: its top-level boxes, walked by their declared sizes, end
 * exactly at the end of the file. A copy cut short leaves the last box (usually mdat) claiming more bytes than there
 * are, which is what exiftool reports as "Truncated 'mdat' data"; the in-process reader does not notice that.
 */
final class IsoBoxes {

    /** More top-level boxes than any real file has; beyond it the sizes are garbage. */
    private static final int MAX_BOXES = 10_000;

    private IsoBoxes() {
    }

    static boolean whole(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long length = channel.size();
            long position = 0;
            ByteBuffer header = ByteBuffer.allocate(16);
            for (int boxes = 0; position < length; boxes++) {
                if (boxes == MAX_BOXES || length - position < 8) {
                    return false;
                }
                header.clear();
                header.limit((int) Math.min(16, length - position));
                while (header.hasRemaining() && channel.read(header, position + header.position()) > 0) {
                    // read the whole header
                }
                long size = Integer.toUnsignedLong(header.getInt(0));
                if (size == 1) {
                    if (header.position() < 16) {
                        return false;
                    }
                    size = header.getLong(8);
                } else if (size == 0) {
                    // "to the end of the file", allowed for the last box only
                    return true;
                }
                if (size < 8 || size > length - position) {
                    return false;
                }
                position += size;
            }
            return true;
        }
    }
}
