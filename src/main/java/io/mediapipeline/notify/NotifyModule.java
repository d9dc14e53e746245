package io.mediapipeline.notify;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Stage;

/** Placeholder: filled in by the issue 14 work on this module. */
public class NotifyModule implements Stage {

    @Override
    public void check(Settings settings) throws ConfigException {
    }
}
