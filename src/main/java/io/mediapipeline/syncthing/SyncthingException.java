package io.mediapipeline.syncthing;

/** A Syncthing call that did not give an answer we can use, with the plain-words reason. */
public class SyncthingException extends RuntimeException {

    public enum Kind { UNREACHABLE, FORBIDDEN, NOT_FOUND, BAD_REQUEST, FAILED }

    private final Kind kind;
    private final int status;

    public SyncthingException(Kind kind, int status, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
    }

    public Kind kind() {
        return kind;
    }

    public int status() {
        return status;
    }
}
