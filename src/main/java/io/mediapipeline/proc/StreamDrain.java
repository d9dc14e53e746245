package io.mediapipeline.proc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a child process's output stream to its end on its own daemon thread, so a tool never blocks on a full
 * pipe. It keeps the first {@code limit} bytes and the last {@code limit} bytes (at most 64 KiB of them): a tool's
 * summary comes last (ffmpeg's ssim filter prints its all-frames line at the very end), its first error first.
 * What lies between is dropped, with a warning naming the stream, and {@link #bytes()} marks the gap. Used by
 * {@link ToolRun}, which every short-lived tool run goes through.
 */
public final class StreamDrain implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamDrain.class);
    private static final int MAX_TAIL = 64 << 10;

    private final InputStream in;
    private final int limit;
    private final String name;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final byte[] tail;
    private int tailStart;
    private int tailLength;
    private long dropped;
    private final Thread thread;

    private StreamDrain(InputStream in, int limit, String name) {
        this.in = in;
        this.limit = limit;
        this.name = name;
        this.tail = new byte[Math.min(limit, MAX_TAIL)];
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
                    int room = Math.max(0, limit - kept.size());
                    kept.write(buffer, 0, Math.min(room, n));
                    for (int i = Math.min(room, n); i < n; i++) {
                        keepInTail(buffer[i]);
                    }
                }
            }
        } catch (IOException ignored) {
            // the process was killed or closed the pipe; what was read so far is all there is
        }
        if (dropped > 0) {
            LOG.warn("{}: output longer than {} bytes; {} byte(s) in the middle were dropped (the start and the last {}"
                    + " bytes are kept)", name, limit, dropped, tail.length);
        }
    }

    private void keepInTail(byte b) {
        if (tail.length == 0) {
            dropped++;
            return;
        }
        if (tailLength < tail.length) {
            tail[(tailStart + tailLength++) % tail.length] = b;
        } else {
            tail[tailStart] = b;
            tailStart = (tailStart + 1) % tail.length;
            dropped++;
        }
    }

    /** What was kept; waits at most 5 s for the end of the stream (a grandchild may hold the pipe open). */
    public byte[] bytes() throws InterruptedException {
        thread.join(5_000);
        return soFar();
    }

    /** What was kept up to now, without waiting: the start, a marker line when bytes were dropped, the end. */
    public byte[] soFar() {
        synchronized (kept) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(kept.size() + tailLength + 64);
            out.write(kept.toByteArray(), 0, kept.size());
            if (dropped > 0) {
                out.writeBytes(("\n[" + dropped + " bytes dropped]\n").getBytes(StandardCharsets.UTF_8));
            }
            for (int i = 0; i < tailLength; i++) {
                out.write(tail[(tailStart + i) % tail.length]);
            }
            return out.toByteArray();
        }
    }

    /** Bytes read but not kept (zero when the whole output fitted). */
    public long dropped() {
        synchronized (kept) {
            return dropped;
        }
    }

    public String text() throws InterruptedException {
        return new String(bytes(), StandardCharsets.UTF_8);
    }
}
