package io.mediapipeline.proc;

/** The innermost cause's message: what a failed connection or child really ran into, without the wrappers. */
public final class RootCause {

    private RootCause() {
    }

    /** The deepest cause's message, or its class name when it has none. */
    public static String message(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
