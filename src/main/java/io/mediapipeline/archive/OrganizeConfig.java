package io.mediapipeline.archive;

import io.mediapipeline.config.Settings;

/** The organize stage's settings (pipeline.organize.*). */
public record OrganizeConfig(boolean enabled, boolean hardlink, boolean useMtime) {

    public static OrganizeConfig from(Settings s) {
        boolean enabled = s.bool("pipeline.organize.enabled");
        boolean hardlink = s.oneOf("pipeline.organize.mode", "hardlink", "copy").equals("hardlink");
        return new OrganizeConfig(enabled, hardlink, s.bool("pipeline.organize.use-mtime"));
    }
}
