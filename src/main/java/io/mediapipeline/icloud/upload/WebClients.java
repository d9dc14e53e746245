package io.mediapipeline.icloud.upload;

import io.mediapipeline.icloud.web.PhotosWebLogin;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The real web client and session copy of package icloud.web, found by name: they are built alongside this stage
 * and meet it when both are merged; then these two look-ups become plain calls
 * ({@code new IcloudWebClient(setupUrl, timeout)}, {@code SessionCopy::refresh}).
 */
final class WebClients {

    private static final String CLIENT = "io.mediapipeline.icloud.web.IcloudWebClient";
    private static final String COPY = "io.mediapipeline.icloud.web.SessionCopy";

    private WebClients() {
    }

    static PhotosWebLogin login(URI setupUrl, Duration requestTimeout) {
        try {
            return (PhotosWebLogin) Class.forName(CLIENT).getConstructor(URI.class, Duration.class)
                    .newInstance(setupUrl, requestTimeout);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the iCloud web client (" + CLIENT + ") is not in this build", e);
        }
    }

    static WebSessions.SessionRefresh sessionCopy() {
        Method refresh;
        try {
            refresh = Class.forName(COPY).getMethod("refresh", Path.class, Path.class, String.class);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the iCloud session copy (" + COPY + ") is not in this build", e);
        }
        return (from, to, username) -> {
            try {
                return (Boolean) refresh.invoke(null, from, to, username);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new IllegalStateException(e.getCause());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        };
    }
}
