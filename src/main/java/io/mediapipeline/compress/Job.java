package io.mediapipeline.compress;

import java.nio.file.Path;

/** One file's way through the compress route, carried in the exchange variable {@value Compressor#JOB}. */
final class Job {

    final CompressLedger.Row row;
    /** Null until the original is found; a failure before that is recorded without a path. */
    Path original;
    long originalSize;
    VideoEncode.Source video;
    Integer tier;
    /** The encode being made or judged; null when the plan needed none. */
    Encode encode;
    /** Video encodes made for this decision (media_files.compress_attempts: the CRF ladder's rungs tried). */
    int attempts;
    Double ssim;

    Job(CompressLedger.Row row) {
        this.row = row;
    }

    /** The CRF of the encode being judged, null for photos and before any encode. */
    Integer crf() {
        return encode == null ? null : encode.crf();
    }
}
