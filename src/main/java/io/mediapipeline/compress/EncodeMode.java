package io.mediapipeline.compress;

/** How a file is re-encoded: each mode has its own tools, metadata copy-back and SSIM threshold. */
enum EncodeMode {
    VIDEO,
    JPEG,
    /** HEIC to JPEG with heif-convert, which turns the pixels upright and which ffmpeg cannot measure. */
    HEIC
}
