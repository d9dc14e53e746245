package io.mediapipeline.flow;

import java.util.Optional;
import org.apache.camel.spi.Registry;

/**
 * Whether the pipeline may write or delete anything now: the NAS marker file is there and free space is above the
 * threshold. Bound in the registry as "guard"; stages ask it before they write or delete, and while it is closed
 * their consumers are suspended; work resumes by itself when it opens again.
 */
public interface Guard {

    /** Always open: for tools and tests that run without the service's guard. */
    Guard OPEN = Optional::empty;

    /**
     * The guard bound as "guard" in the registry, or {@link #OPEN} without one (tools, tests without the service).
     * Stages look it up when they use it, not when their beans are made: it may be bound after them.
     */
    static Guard bound(Registry registry) {
        Guard g = registry.lookupByNameAndType("guard", Guard.class);
        return g != null ? g : OPEN;
    }

    /** Why nothing may be written or deleted now, or empty when the way is clear. */
    Optional<String> blocked();

    /** Throws when the guard is closed; a refusal is a pause, never a failure of the file at hand. */
    default void require() throws GuardClosedException {
        Optional<String> why = blocked();
        if (why.isPresent()) {
            throw new GuardClosedException(why.get());
        }
    }
}
