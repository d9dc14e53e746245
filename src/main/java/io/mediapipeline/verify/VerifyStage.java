package io.mediapipeline.verify;

import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Stage;

/** Placeholder: the verify stage (issue 13) is being built. */
public class VerifyStage implements Stage {

    @Override
    public void check(Settings settings) {
    }
}
