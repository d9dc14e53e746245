package io.mediapipeline.cleanup;

import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Stage;

/** Placeholder: the cleanup stage (issue 13) is being built. */
public class CleanupStage implements Stage {

    @Override
    public void check(Settings settings) {
    }
}
