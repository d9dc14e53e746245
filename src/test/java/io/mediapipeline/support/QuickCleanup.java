package io.mediapipeline.support;

import io.mediapipeline.demo.LoopbackPair;
import java.io.IOException;

/**
 * The settings of an IT in which verify and cleanup run against a loopback phone: both on and polling every second,
 * the Pixel bridge copies cleaned, the scrub off (it has its own tests), and the phone's folder set to ignore deletes
 * through its own REST config, so the bridge copies may go while the phone keeps its copies.
 */
public final class QuickCleanup {

    private QuickCleanup() {
    }

    public static void on(PipelineHome p, LoopbackPair pair) throws IOException, InterruptedException {
        p.set("pipeline.verify.enabled", "true")
                .set("pipeline.verify.poll-seconds", "1")
                .set("pipeline.cleanup.enabled", "true")
                .set("pipeline.cleanup.bridge", "true")
                .set("pipeline.cleanup.poll-seconds", "1")
                .set("pipeline.scrub.enabled", "false");
        pair.rest(pair.phone(), "PATCH", "/rest/config/folders/" + LoopbackPair.FOLDER_ID, "{\"ignoreDelete\":true}");
    }
}
