package io.mediapipeline.compress;

import java.util.Locale;

/** What media_files.compress_decision says of a file. */
enum Decision {
    /** The smaller copy passed the gate and is what goes out. */
    COMPRESSED,
    /** The gate refused the encode: the original goes out. */
    ORIGINAL,
    /** Not worth an encode (HEIC kept, PNG, camera RAW, efficient HEVC): the original goes out. */
    SKIPPED,
    /** The encode failed: the original goes out, and a later run tries again up to max-failures. */
    FAILED;

    /** The value in the ledger. */
    String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The ledger's value, or null when the file is undecided. */
    static Decision of(String value) {
        return value == null ? null : valueOf(value.toUpperCase(Locale.ROOT));
    }
}
