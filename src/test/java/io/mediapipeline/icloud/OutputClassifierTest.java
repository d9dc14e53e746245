package io.mediapipeline.icloud;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Each outcome from the log lines icloudpd 1.32.2 really prints (reference part A), whatever the exit code. */
class OutputClassifierTest {

    private static RunResult classify(int rc, String... lines) {
        OutputClassifier c = new OutputClassifier();
        for (String l : lines) {
            c.accept(l);
        }
        return c.result(rc, false);
    }

    @Test
    void success() {
        RunResult r = classify(0,
                "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:19 INFO     Downloading 2 original photos and videos to /d ...",
                "2026-11-25 15:40:20 INFO     Downloaded /d/2024/01/01/IMG_1.HEIC",
                "2026-11-25 15:40:21 INFO     Downloaded /d/2024/01/01/IMG_1_HEVC.MOV",
                "2026-11-25 15:40:21 INFO     All photos and videos have been downloaded");
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.downloaded()).isEqualTo(2);
    }

    @Test
    void fileNamesDoNotLookLikeErrors() {
        RunResult r = classify(0,
                "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:20 INFO     Downloaded /d/2024/05/03/503.JPG",
                "2026-11-25 15:40:20 INFO     Downloaded /d/2024/05/03/ACCESS_DENIED.JPG",
                "2026-11-25 15:40:21 INFO     All photos and videos have been downloaded");
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
    }

    @Test
    void partialWhenSomeFilesFailed() {
        RunResult r = classify(0,
                "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:20 INFO     Downloaded /d/2024/01/01/IMG_1.HEIC",
                "2026-11-25 15:40:21 ERROR    Could not download IMG_2.HEIC. Please try again later.");
        assertThat(r.outcome()).isEqualTo(Outcome.PARTIAL);
        assertThat(r.reason()).contains("Could not download IMG_2.HEIC");
    }

    @Test
    void mfaNeededEvenWithExitOne() {
        RunResult r = classify(1,
                "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:18 INFO     Two-factor authentication is required (2fa)",
                "Please enter two-factor authentication code: ",
                "Aborted!");
        assertThat(r.outcome()).isEqualTo(Outcome.AUTH_NEEDED);
    }

    @Test
    void signedInAfterCodeIsSuccess() {
        RunResult r = classify(0,
                "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:18 INFO     Two-factor authentication is required (2fa)",
                "Please enter two-factor authentication code: 2026-11-25 15:40:30 INFO     Great, you're all set up. The script can now be run without user interaction until 2FA expires.");
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
    }

    @Test
    void throttledBy503AndAccessDenied() {
        assertThat(classify(0, "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:18 INFO     Apple iCloud is temporary refusing to serve icloudpd").outcome())
                .isEqualTo(Outcome.THROTTLED);
        assertThat(classify(0, "2026-11-25 15:40:18 ERROR    ACCESS_DENIED (403)").outcome()).isEqualTo(Outcome.THROTTLED);
    }

    @Test
    void badArgumentsExitZero() {
        assertThat(classify(0, "unrecognized arguments: --bogus-flag").outcome()).isEqualTo(Outcome.BAD_ARGUMENTS);
        assertThat(classify(0, "argument --log-level: invalid choice: 'foo' (choose from debug, info, error)").outcome())
                .isEqualTo(Outcome.BAD_ARGUMENTS);
        assertThat(classify(0, "Only one of --skip-videos and --skip-photos can be used at a time for each configuration")
                .outcome()).isEqualTo(Outcome.BAD_ARGUMENTS);
        assertThat(classify(0, "--auth-only, --directory, --list-libraries, or --list-albums are required for each configuration")
                .outcome()).isEqualTo(Outcome.BAD_ARGUMENTS);
    }

    @Test
    void otherFailures() {
        assertThat(classify(0, "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:47 INFO     Cannot connect to Apple iCloud service").outcome()).isEqualTo(Outcome.FAILED);
        assertThat(classify(1, "2026-11-25 15:40:17 INFO     Processing user: a@example.com", "Traceback (most recent call last):",
                "EOFError", "[PYI-99:ERROR] Failed to execute script 'icloudpd' due to unhandled exception!").outcome())
                .isEqualTo(Outcome.FAILED);
        // log level error / nothing printed: never a success
        assertThat(classify(0).outcome()).isEqualTo(Outcome.FAILED);
    }

    @Test
    void sigtermIsStopped() {
        assertThat(classify(143, "2026-11-25 15:40:17 INFO     Processing user: a@example.com").outcome())
                .isEqualTo(Outcome.STOPPED);
    }

    @Test
    void backoffDoublesUpToTheCap() {
        assertThat(IcloudDownloader.backoff(60, 3600, 1).toSeconds()).isEqualTo(60);
        assertThat(IcloudDownloader.backoff(60, 3600, 2).toSeconds()).isEqualTo(120);
        assertThat(IcloudDownloader.backoff(60, 3600, 4).toSeconds()).isEqualTo(480);
        assertThat(IcloudDownloader.backoff(60, 3600, 40).toSeconds()).isEqualTo(3600);
    }
}
