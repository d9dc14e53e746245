package io.mediapipeline.pixel;

/**
 * Not an error: the Pixel staging takes no more files right now (this poll's batch is full, or the
 * phone has too much unconfirmed). The queue file stays in work/pixel/ for a later poll.
 */
public class HeldBack extends RuntimeException {

    public HeldBack(String reason) {
        super(reason, null, false, false);
    }
}
