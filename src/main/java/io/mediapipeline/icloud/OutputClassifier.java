package io.mediapipeline.icloud;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads icloudpd 1.32's stdout/stderr line by line and decides the outcome. The exit code only tells
 * "unhandled exception" (1) and "killed" (143, 137); bad arguments, login and network failures all exit
 * 0, so the log lines decide. The pipeline always runs it at --log-level info so that they are printed.
 */
public final class OutputClassifier {

    /** The real format: {@code 2026-11-25 15:40:17 INFO     message}. */
    public static final Pattern LOG_LINE =
            Pattern.compile("^(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}) (DEBUG|INFO|WARNING|ERROR|CRITICAL)\\s+(.*)$");

    private static final Pattern BAD_ARGS = Pattern.compile(
            "unrecognized arguments|invalid choice|invalid int value|expected one argument|are required for each configuration"
                    + "|can be used at a time|specified in --folder-structure is incorrect|is not compatible with"
                    + "|^usage: |error: argument ");
    private static final Pattern THROTTLE = Pattern.compile(
            "temporary refusing to serve icloudpd|ACCESS_DENIED|Service Unavailable|503 Server Error|HTTP 503"
                    + "|status(?: code)?:? 503");
    private static final Pattern AUTH = Pattern.compile(
            "Two-factor authentication is required|Two-step authentication is required"
                    + "|Failed to verify two-factor authentication code|Failed to verify two-step authentication code"
                    + "|Invalid email/password combination|Authentication required for Account");
    private static final Pattern COMPLETE = Pattern.compile(
            "have been downloaded|previously downloaded consecutive|Great, you're all set up");
    private static final Pattern FILE_ERROR = Pattern.compile(
            "Could not download|Failed to download|error downloading|Error downloading|IOError|Skipping .* failed");
    private static final Pattern NETWORK = Pattern.compile("Cannot connect to Apple iCloud service|Connection error|timed out");

    private boolean badArgs;
    private boolean throttled;
    private boolean auth;
    private boolean complete;
    private boolean signedIn;
    private boolean network;
    private boolean traceback;
    private boolean sawProcessing;
    private int errors;
    private int fileErrors;
    private int downloaded;
    private String firstProblem;

    public void accept(String line) {
        Matcher m = LOG_LINE.matcher(line);
        String level = m.matches() ? m.group(2) : "";
        String text = m.matches() ? m.group(3) : line;
        if (text.startsWith("Processing user") || text.startsWith("Looking up all")) {
            sawProcessing = true;
        }
        // a file name can contain anything: progress lines are only counted
        if (!level.equals("ERROR") && (text.startsWith("Downloaded ") || text.startsWith("Downloading "))) {
            if (text.startsWith("Downloaded ")) {
                downloaded++;
            }
            return;
        }
        if (BAD_ARGS.matcher(text).find()) {
            badArgs = true;
            problem(text);
        }
        if (THROTTLE.matcher(text).find()) {
            throttled = true;
            problem(text);
        }
        if (AUTH.matcher(text).find()) {
            auth = true;
            problem(text);
        }
        if (NETWORK.matcher(text).find()) {
            network = true;
            problem(text);
        }
        if (text.contains("Great, you're all set up")) {
            signedIn = true;
        }
        if (COMPLETE.matcher(text).find()) {
            complete = true;
        }
        if (FILE_ERROR.matcher(text).find()) {
            fileErrors++;
            problem(text);
        }
        if (level.equals("ERROR") || level.equals("CRITICAL")) {
            errors++;
            problem(text);
        }
        if (text.startsWith("Traceback (most recent call last)") || text.contains("due to unhandled exception")) {
            traceback = true;
        }
    }

    private void problem(String text) {
        if (firstProblem == null) {
            firstProblem = text.length() > 200 ? text.substring(0, 200) + "…" : text;
        }
    }

    /** The outcome given the exit code; {@code stopped} when the pipeline itself ended the run. */
    public RunResult result(int exitCode, boolean stopped) {
        if (stopped || exitCode == 143 || exitCode == 137) {
            return new RunResult(Outcome.STOPPED, exitCode, "stopped by the pipeline (exit " + exitCode + ")", downloaded);
        }
        if (badArgs) {
            return new RunResult(Outcome.BAD_ARGUMENTS, exitCode, "icloudpd refused its arguments: " + firstProblem, downloaded);
        }
        if (throttled) {
            return new RunResult(Outcome.THROTTLED, exitCode, "Apple is throttling this account: " + firstProblem, downloaded);
        }
        if (auth && !signedIn) {
            return new RunResult(Outcome.AUTH_NEEDED, exitCode, "sign-in needed: " + firstProblem, downloaded);
        }
        if (exitCode == 0 && !traceback && errors == 0 && fileErrors == 0 && !network && (complete || sawProcessing)) {
            return new RunResult(Outcome.SUCCESS, exitCode, downloaded + " file(s) downloaded", downloaded);
        }
        if (downloaded > 0 || fileErrors > 0 && !network && !traceback) {
            return new RunResult(Outcome.PARTIAL, exitCode, downloaded + " file(s) downloaded, then: "
                    + (firstProblem == null ? "exit " + exitCode : firstProblem), downloaded);
        }
        String why = network ? firstProblem : traceback ? "icloudpd crashed (exit " + exitCode + ")"
                : firstProblem != null ? firstProblem : "no result line from icloudpd (exit " + exitCode + ")";
        return new RunResult(Outcome.FAILED, exitCode, why, downloaded);
    }
}
