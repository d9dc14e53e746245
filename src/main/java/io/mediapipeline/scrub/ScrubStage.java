package io.mediapipeline.scrub;

import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Stage;

/** Placeholder: the scrub stage (issue 13) is being built. */
public class ScrubStage implements Stage {

    @Override
    public void check(Settings settings) {
    }
}
