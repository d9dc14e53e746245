package io.mediapipeline.flow;

import java.io.IOException;

/** The file read differently while it was placed than when it was hashed: nothing is recorded, it is tried again later. */
public class SourceChangedException extends IOException {

    public SourceChangedException(String message) {
        super(message);
    }
}
