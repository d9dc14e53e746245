package io.mediapipeline.proof;

import io.mediapipeline.flow.Guard;
import java.util.Optional;

/** The NAS guard as the test switches it: closed means nothing may be written or deleted. */
final class SwitchGuard implements Guard {

    private volatile String closedBecause;

    @Override
    public Optional<String> blocked() {
        return Optional.ofNullable(closedBecause);
    }

    void close(String why) {
        closedBecause = why;
    }

    void open() {
        closedBecause = null;
    }

    boolean closed() {
        return closedBecause != null;
    }
}
