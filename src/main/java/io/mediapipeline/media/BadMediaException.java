package io.mediapipeline.media;

/**
 * The file itself is unusable (empty, not media, truncated, corrupt); its message is the reason written next to the
 * file in quarantine, so it stays short and plain. Tool failures are IOExceptions instead, because retrying may help.
 */
public class BadMediaException extends Exception {

    private static final long serialVersionUID = 1L;

    public BadMediaException(String reason) {
        // no cause and no stack trace: the reason is for people, and the file is the evidence
        super(reason, null, false, false);
    }
}
