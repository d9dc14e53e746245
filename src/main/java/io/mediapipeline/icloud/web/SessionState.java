package io.mediapipeline.icloud.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The signed-in session of one account in the caller's session folder: the cookie jar and the session file, read
 * once and written back (atomically, 0600) whenever the service changes them. Only ever that folder: icloudpd's
 * own files are the caller's to copy, never written here.
 */
final class SessionState {

    private final Path dir;
    private final String name;
    private final ObjectMapper json;
    private final CookieJar jar;
    private final SessionFile session;

    private SessionState(Path dir, String name, ObjectMapper json, CookieJar jar, SessionFile session) {
        this.dir = dir;
        this.name = name;
        this.json = json;
        this.jar = jar;
        this.session = session;
    }

    static SessionState load(Path dir, String username, ObjectMapper json) throws IOException {
        String name = SessionCopy.fileName(username);
        return new SessionState(dir, name, json, CookieJar.read(dir.resolve(name)),
                SessionFile.read(dir.resolve(name + ".session"), json));
    }

    synchronized String cookieHeader(URI uri) {
        return jar.header(uri, Instant.now());
    }

    /** Whether the web auth cookie would go with a request to {@code uri}. */
    synchronized boolean hasWebAuthCookie(URI uri) {
        return jar.has(CookieJar.WEBAUTH_TOKEN, uri, Instant.now());
    }

    synchronized SessionFile session() {
        return session;
    }

    /** Keeps what a response set (cookies, session headers) and saves the files when they changed. */
    synchronized void absorb(HttpHeaders headers, String host) throws IcloudWebException {
        boolean cookies = jar.absorb(headers.allValues("Set-Cookie"), host, Instant.now());
        boolean fields = session.absorb(headers);
        try {
            if (cookies) {
                jar.write(dir.resolve(name));
            }
            if (fields) {
                session.write(dir.resolve(name + ".session"), json);
            }
        } catch (IOException e) {
            throw new IcloudWebException(IcloudWebException.Kind.RETRYABLE, 0,
                    "cannot save the iCloud session in " + dir + ": " + e.getClass().getSimpleName());
        }
    }

    /** Saves the session file (after this side added a client id). */
    synchronized void saveSession() throws IOException {
        session.write(dir.resolve(name + ".session"), json);
    }

    @Override
    public String toString() {
        return "SessionState[" + dir + ", " + jar + "]";
    }
}
