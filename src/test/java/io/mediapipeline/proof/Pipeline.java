package io.mediapipeline.proof;

/**
 * The stages under test as one process has them: made from the settings and the shared beans (the test's targets,
 * removal and guard in the registry), with their startup recovery done. A restart is a new instance.
 */
interface Pipeline {

    /** One pass of each route's beans, as the route's steps call them. */
    void verify() throws Exception;

    void cleanup() throws Exception;

    void purge() throws Exception;

    void scrub() throws Exception;
}
