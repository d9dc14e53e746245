package io.mediapipeline.icloud;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each outcome from the log lines icloudpd 1.32.2 really prints (reference part A), whatever the exit code. */
class OutputClassifierTest {

    private static RunResult classify(int rc, String... lines) {
        return classify(new OutputClassifier(), rc, lines);
    }

    private static RunResult signIn(int rc, String... lines) {
        return classify(OutputClassifier.forSignIn(), rc, lines);
    }

    private static RunResult classify(OutputClassifier c, int rc, String... lines) {
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
    void signedInAfterCodeIsSuccessOfASignInButNotOfADownload() {
        String[] lines = {
                "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:18 INFO     Two-factor authentication is required (2fa)",
                "Please enter two-factor authentication code: 2026-11-25 15:40:30 INFO     Great, you're all set up. The script can now be run without user interaction until 2FA expires."};
        assertThat(signIn(0, lines).outcome()).isEqualTo(Outcome.SUCCESS);
        // a download run that signed in and then ended without its end line proves no download
        assertThat(classify(0, lines).outcome()).isEqualTo(Outcome.FAILED);
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
        assertThat(classify(0).outcome()).isEqualTo(Outcome.UNKNOWN);
    }

    @Test
    void processingUserAloneIsUnknownNotSuccess() {
        RunResult r = classify(0, "2026-11-25 15:40:17 INFO     Processing user: a@example.com");
        assertThat(r.outcome()).isEqualTo(Outcome.UNKNOWN);
        assertThat(r.reason()).contains("without an end-of-run line");
        // the download count line is not the end either
        assertThat(classify(0, "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:19 INFO     Downloading 3 original photos and videos to /d ...").outcome())
                .isEqualTo(Outcome.UNKNOWN);
    }

    @Test
    void downloadsWithoutAnyErrorLineAreASuccessEvenWithoutTheEndLine() {
        assertThat(classify(0, "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:20 INFO     Downloaded /d/2024/01/01/IMG_1.HEIC").outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(classify(1, "2026-11-25 15:40:20 INFO     Downloaded /d/2024/01/01/IMG_1.HEIC").outcome())
                .as("exit 1 is no success").isEqualTo(Outcome.PARTIAL);
    }

    /** icloudpd 1.32.2 logs a failed sign-in as the exception's text at INFO (core_single_run), exit 0. */
    @ParameterizedTest
    @ValueSource(strings = {
            "('Invalid email/password combination.', PyiCloudAPIResponseException('Unauthorized (401)'))",
            "('Failed to initiate srp authentication.', PyiCloudAPIResponseException('Unauthorized (401)'))",
            "('Invalid authentication token.', PyiCloudAPIResponseException('Invalid global session (401)'))",
            "Failed to verify two-factor authentication code",
            "Failed to send two-factor authentication code",
            "Too many trusted devices for authentication",
            "Authentication required for Account. (421)"})
    void loginFailuresLoggedAtInfoAreNeverSuccess(String message) {
        RunResult r = classify(0, "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:18 INFO     " + message);
        assertThat(r.outcome()).isEqualTo(Outcome.AUTH_NEEDED);
        // the same with icloudpd's end-of-sign-in line before it (a session that then failed) is still no success
        assertThat(classify(0, "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:18 INFO     " + message,
                "2026-11-25 15:40:19 INFO     Authentication completed successfully").outcome()).isNotEqualTo(Outcome.SUCCESS);
    }

    @Test
    void realServiceFailuresLoggedAtInfoAreFailures() {
        // pyicloud logs the API error at ERROR, then icloudpd the same text at INFO
        String setup = "Apple iCloud setup is not complete. Please log into https://icloud.com/ to manually finish setting up"
                + " your iCloud service (ZONE_NOT_FOUND)";
        assertThat(classify(0, "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:18 ERROR    " + setup, "2026-11-25 15:40:18 INFO     " + setup).outcome())
                .isEqualTo(Outcome.FAILED);
        assertThat(classify(0, "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:18 INFO     Cannot connect to Apple iCloud service").reason())
                .contains("Cannot connect to Apple iCloud service");
        assertThat(classify(0, "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:18 ERROR    Unknown library: Shared").outcome()).isEqualTo(Outcome.BAD_ARGUMENTS);
    }

    /** 1.32.2 runs no download retry (MAX_RETRIES 0): every failed file ends in "Could not download", then the end line. */
    @Test
    void theRealEndLineAfterAFailedFileIsPartial() {
        String[][] failures = {
                {"2026-11-25 15:40:21 ERROR    Session error, re-authenticating...",
                        "2026-11-25 15:40:22 ERROR    Could not download IMG_2.HEIC. Please try again later."},
                {"2026-11-25 15:40:21 ERROR    Could not find URL to download IMG_2.HEIC for size original",
                        "2026-11-25 15:40:21 ERROR    Could not download IMG_2.HEIC. Please try again later."},
                {"2026-11-25 15:40:21 ERROR    IOError while writing file to /d/IMG_2.HEIC. You might have run out of disk"
                        + " space, or the file might be too large for your OS. Skipping this file...",
                        "2026-11-25 15:40:21 ERROR    Could not download IMG_2.HEIC. Please try again later."},
                {"2026-11-25 15:40:21 ERROR    Error downloading IMG_2.HEIC, retrying after 5 seconds..."}};
        for (String[] failure : failures) {
            List<String> lines = new ArrayList<>(List.of("2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                    "2026-11-25 15:40:19 INFO     Downloading 3 original photos and videos to /d ...",
                    "2026-11-25 15:40:20 INFO     Downloaded /d/2024/01/01/IMG_1.HEIC"));
            lines.addAll(List.of(failure));
            lines.add("2026-11-25 15:40:23 INFO     Downloaded /d/2024/01/01/IMG_3.HEIC");
            lines.add("2026-11-25 15:40:23 INFO     All photos and videos have been downloaded");
            RunResult r = classify(0, lines.toArray(String[]::new));
            assertThat(r.outcome()).as(failure[0]).isEqualTo(Outcome.PARTIAL);
            assertThat(r.downloaded()).isEqualTo(2);
        }
    }

    /**
     * A connection dropped mid-download: icloudpd logs it at DEBUG and runs the whole listing again; the retried run
     * that ends with its end line is a success, and the same lines cut off after "Retrying..." are not one.
     */
    @Test
    void aTransientDropRetriedSilentlyIsJudgedByHowTheRetryEnds() {
        List<String> lines = new ArrayList<>(List.of("2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:19 INFO     Downloading 3 original photos and videos to /d ...",
                "2026-11-25 15:40:20 INFO     Downloaded /d/2024/01/01/IMG_1.HEIC",
                "2026-11-25 15:40:21 DEBUG    ('Connection broken: IncompleteRead(1024 bytes read, 2048 more expected)',"
                        + " IncompleteRead(1024 bytes read, 2048 more expected))",
                "2026-11-25 15:40:21 DEBUG    Retrying..."));
        RunResult cut = classify(1, lines.toArray(String[]::new));
        assertThat(cut.outcome()).as("ended (exit 1) during the retry").isEqualTo(Outcome.PARTIAL);
        lines.addAll(List.of("2026-11-25 15:40:22 INFO     Downloading 3 original photos and videos to /d ...",
                "2026-11-25 15:40:22 DEBUG    /d/2024/01/01/IMG_1.HEIC already exists",
                "2026-11-25 15:40:23 INFO     Downloaded /d/2024/01/01/IMG_2.HEIC",
                "2026-11-25 15:40:23 INFO     Downloaded /d/2024/01/01/IMG_3.HEIC",
                "2026-11-25 15:40:23 INFO     All photos and videos have been downloaded"));
        RunResult r = classify(0, lines.toArray(String[]::new));
        assertThat(r.outcome()).as(r.reason()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.downloaded()).isEqualTo(3);
    }

    @Test
    void realEndLinesAreSuccess() {
        assertThat(signIn(0, "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:18 INFO     Authentication completed successfully").outcome())
                .as("--auth-only").isEqualTo(Outcome.SUCCESS);
        assertThat(classify(0, "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:19 INFO     Downloading ??? original photos and videos to /d ...",
                "2026-11-25 15:40:20 INFO     Found 5 consecutive previously downloaded photos. Exiting",
                "2026-11-25 15:40:20 INFO     All photos and videos have been downloaded").outcome())
                .as("--until-found").isEqualTo(Outcome.SUCCESS);
        assertThat(classify(0, "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:20 INFO     All videos have been downloaded").outcome()).isEqualTo(Outcome.SUCCESS);
        // a debug line naming a file is not the end line
        assertThat(classify(0, "2026-11-25 15:40:17 INFO     Processing user: a@example.com",
                "2026-11-25 15:40:20 DEBUG    /d/All photos and videos have been downloaded.jpg already exists").outcome())
                .isEqualTo(Outcome.UNKNOWN);
    }

    @Test
    void sigtermIsStopped() {
        assertThat(classify(143, "2026-11-25 15:40:17 INFO     Processing user: a@example.com").outcome())
                .isEqualTo(Outcome.STOPPED);
    }

    @Test
    void backoffDoublesUpToTheCap() {
        assertThat(new IcloudConfig.Backoff(60, 3600).after(1).toSeconds()).isEqualTo(60);
        assertThat(new IcloudConfig.Backoff(60, 3600).after(2).toSeconds()).isEqualTo(120);
        assertThat(new IcloudConfig.Backoff(60, 3600).after(4).toSeconds()).isEqualTo(480);
        assertThat(new IcloudConfig.Backoff(60, 3600).after(40).toSeconds()).isEqualTo(3600);
    }
}
