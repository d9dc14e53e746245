package io.mediapipeline.icloud.web;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Signs an account in to the web services from a copy of icloudpd's session (the LWP cookie jar
 * {@code <name>} and {@code <name>.session} in {@code sessionDir}, name = the Apple ID reduced to \w characters).
 * The copy is the caller's: this side rewrites it with what the service sends back and never touches icloudpd's.
 */
public interface PhotosWebLogin {

    PhotosWeb signIn(Path sessionDir, String username) throws IcloudWebException, IOException;
}
