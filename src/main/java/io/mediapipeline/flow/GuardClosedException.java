package io.mediapipeline.flow;

import java.io.IOException;
import org.apache.camel.Exchange;
import org.slf4j.Logger;

/** Nothing may be written or deleted now (the guard's reason in the message): retry later, never count it against the file. */
public class GuardClosedException extends IOException {

    public GuardClosedException(String reason) {
        super(reason);
    }

    /**
     * Whether a failure is a pause rather than the file's own: the guard refused the write, or the guard is closed
     * now (the NAS went away under work in flight, so its file could not be read). Such a failure is never counted,
     * never quarantines and never marks a file as an error: the work is taken again once the guard opens.
     */
    public static boolean explains(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof GuardClosedException) {
                return true;
            }
        }
        return FileStore.guard().blocked().isPresent();
    }

    /**
     * For a route's failure bean: when {@link #explains} the failure, logs "{what} paused: {reason}" and lets the
     * exchange fail unhandled (the queue file stays and is taken again once the guard opens); true then, and the
     * bean does nothing else.
     */
    public static boolean pauses(Exchange ex, Throwable failure, Logger log, String what) {
        if (!explains(failure)) {
            return false;
        }
        log.warn("{} paused: {}", what, failure == null ? "the guard is closed" : failure.getMessage());
        ex.getExchangeExtension().setErrorHandlerHandled(false);
        return true;
    }
}
