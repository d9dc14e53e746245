package io.mediapipeline.media;

/** What a file is by content; photos and videos take different paths through compression and sorting. */
public enum MediaKind {
    PHOTO,
    VIDEO
}
