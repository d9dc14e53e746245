package io.mediapipeline.media;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads a child process's output stream to its end on its own daemon thread, keeping at most a fixed number of
 * bytes (the rest is read and dropped), so a tool never blocks on a full pipe. Used by {@link ToolRun} and by the
 * compress stage's camel-exec executor.
 */
public final class StreamDrain implements Runnable {

    private final InputStream in;
    private final int limit;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final Thread thread;

    private StreamDrain(InputStream in, int limit, String name) {
        this.in = in;
        this.limit = limit;
        this.thread = new Thread(this, name);
        this.thread.setDaemon(true);
    }

    public static StreamDrain start(InputStream in, int limit, String name) {
        StreamDrain drain = new StreamDrain(in, limit, name);
        drain.thread.start();
        return drain;
    }

    @Override
    public void run() {
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                synchronized (kept) {
                    int room = limit - kept.size();
                    if (room > 0) {
                        kept.write(buffer, 0, Math.min(room, n));
                    }
                }
            }
        } catch (IOException ignored) {
            // the process was killed or closed the pipe; what was read so far is all there is
        }
    }

    /** What was kept; waits at most 5 s for the end of the stream (a grandchild may hold the pipe open). */
    public byte[] bytes() throws InterruptedException {
        thread.join(5_000);
        return soFar();
    }

    /** What was kept up to now, without waiting. */
    public byte[] soFar() {
        synchronized (kept) {
            return kept.toByteArray();
        }
    }

    public String text() throws InterruptedException {
        return new String(bytes(), StandardCharsets.UTF_8);
    }
}
