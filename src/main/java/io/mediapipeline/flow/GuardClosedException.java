package io.mediapipeline.flow;

import java.io.IOException;

/** Nothing may be written or deleted now (the guard's reason in the message): retry later, never count it against the file. */
public class GuardClosedException extends IOException {

    public GuardClosedException(String reason) {
        super(reason);
    }
}
