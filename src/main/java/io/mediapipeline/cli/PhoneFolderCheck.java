package io.mediapipeline.cli;

import io.mediapipeline.config.Settings;
import io.mediapipeline.pixel.PhoneFolder;
import io.mediapipeline.pixel.PixelConfig;
import java.util.Optional;

/**
 * `doctor`, with pipeline.cleanup.bridge on and the Pixel target on: whether the phone's folder ignores deletes, so
 * that cleanup removing the bridge copies leaves the phone's copies (the same check cleanup makes).
 */
final class PhoneFolderCheck {

    private static final String WHAT = "pixel cleanup";

    private PhoneFolderCheck() {
    }

    static Optional<IcloudUploadCheck.Finding> check(Settings settings) {
        PixelConfig pixel = PixelConfig.from(settings);
        if (!pixel.enabled() || !settings.bool("pipeline.cleanup.bridge")) {
            return Optional.empty();
        }
        if (!pixel.phone().configured()) {
            return Optional.of(new IcloudUploadCheck.Finding(IcloudUploadCheck.Level.WARN, WHAT, "cannot check whether the phone's folder ignores"
                    + " deletes (pipeline.cleanup.bridge=true)", "set pipeline.target.pixel.phone.url and"
                    + " PIPELINE_TARGET_PIXEL_PHONE_API_KEY (the phone's Syncthing GUI address and API key)"));
        }
        PhoneFolder.Answer a = PhoneFolder.check(pixel);
        return Optional.of(switch (a.kind()) {
            case SAFE -> new IcloudUploadCheck.Finding(IcloudUploadCheck.Level.OK, WHAT, a.detail() + ": the bridge copies may go", null);
            case UNSAFE -> new IcloudUploadCheck.Finding(IcloudUploadCheck.Level.FAIL, WHAT, a.detail(), "until then cleanup keeps the bridge copies");
            case UNKNOWN -> new IcloudUploadCheck.Finding(IcloudUploadCheck.Level.WARN, WHAT, a.detail(), "start Syncthing on the phone, or fix"
                    + " pipeline.target.pixel.phone.url / PIPELINE_TARGET_PIXEL_PHONE_API_KEY");
        });
    }
}
