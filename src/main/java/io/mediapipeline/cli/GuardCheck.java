package io.mediapipeline.cli;

import io.mediapipeline.cli.IcloudUploadCheck.Finding;
import io.mediapipeline.cli.IcloudUploadCheck.Level;
import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.GuardConfig;
import io.mediapipeline.flow.StorageGuard;
import java.util.ArrayList;
import java.util.List;

/** Doctor's view of the storage guard: the NAS marker and the free space, as the service would see them now. */
final class GuardCheck {

    private GuardCheck() {
    }

    /** The findings; a missing marker is the only one when it is missing (the space then is not the NAS's). */
    static List<Finding> check(Settings settings) {
        GuardConfig cfg = GuardConfig.from(settings);
        StorageGuard.State state = new StorageGuard(cfg).look();
        List<Finding> out = new ArrayList<>();
        if (state.marker() == null) {
            out.add(new Finding(Level.OK, "nas marker", "not checked (pipeline.guard.marker is empty)", null));
        } else if (state.markerPresent()) {
            out.add(new Finding(Level.OK, "nas marker", state.marker() + " present", null));
        } else {
            out.add(new Finding(Level.FAIL, "nas marker", state.marker() + " is missing: the service waits and writes nothing",
                    "mount the NAS (the marker is a file on it), or create the marker once it is mounted"));
            return out;
        }
        String space = String.format("%d MiB free under %s, pipeline.guard.min-free-mb=%d",
                state.freeBytes() >> 20, cfg.home(), cfg.minFreeMb());
        out.add(state.reason().isPresent()
                ? new Finding(Level.FAIL, "guard space", space + ": the service pauses and writes nothing",
                        "free space under pipeline.home (or lower pipeline.guard.min-free-mb knowingly)")
                : new Finding(Level.OK, "guard space", space, null));
        return out;
    }

    /** Whether the rest of doctor may touch pipeline.home (it creates it: never on a bare mount point). */
    static boolean homeUsable(List<Finding> findings) {
        return findings.stream().noneMatch(f -> f.what().equals("nas marker") && f.level() == Level.FAIL);
    }
}
