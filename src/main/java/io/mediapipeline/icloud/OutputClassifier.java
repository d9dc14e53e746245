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

    private static final Pattern EMBEDDED =
            Pattern.compile("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} (?:DEBUG|INFO|WARNING|ERROR|CRITICAL) ");

    private static final Pattern BAD_ARGS = Pattern.compile(
            "unrecognized arguments|invalid choice|invalid int value|expected one argument|are required for each configuration"
                    + "|can be used at a time|specified in --folder-structure is incorrect|is not compatible with"
                    + "|^usage: |error: argument |Unknown library: ");
    private static final Pattern THROTTLE = Pattern.compile(
            "temporary refusing to serve icloudpd|ACCESS_DENIED|Service Unavailable|503 Server Error|HTTP 503"
                    + "|status(?: code)?:? 503");
    /** Sign-in failures; icloudpd logs most of them at INFO (an exception's text), so the level proves nothing. */
    private static final Pattern AUTH = Pattern.compile(
            "Two-factor authentication is required|Two-step authentication is required"
                    + "|Failed to (?:verify|send) two-(?:factor|step) authentication code"
                    + "|Invalid email/password combination|Invalid username/password combination"
                    + "|Authentication required for Account|Failed to initiate srp authentication"
                    + "|Invalid authentication token|Too many trusted devices|Two-step authentication required for");
    /** A download run's last line. */
    private static final Pattern DOWNLOAD_COMPLETE = Pattern.compile("^All (?:photos and videos|photos|videos) have been downloaded$");
    /** A sign-in (--auth-only) that completed; in a download run these only say the run went on. */
    private static final Pattern SIGN_IN_COMPLETE = Pattern.compile(
            "^Authentication completed successfully$|^Great, you're all set up");
    private static final Pattern FILE_ERROR = Pattern.compile(
            "Could not download|Failed to download|error downloading|Error downloading|IOError|Skipping .* failed");
    private static final Pattern NETWORK = Pattern.compile("Cannot connect to Apple iCloud service|Connection error|timed out");

    private final Pattern endOfRun;

    /** For a download run: only its end-of-run line (or clean downloads) is evidence of success. */
    public OutputClassifier() {
        this(false);
    }

    private OutputClassifier(boolean signIn) {
        this.endOfRun = signIn ? SIGN_IN_COMPLETE : DOWNLOAD_COMPLETE;
    }

    /** For a sign-in (--auth-only): the sign-in's own success line is the evidence. */
    public static OutputClassifier forSignIn() {
        return new OutputClassifier(true);
    }

    private boolean badArgs;
    private boolean throttled;
    private boolean auth;
    private boolean complete;
    private boolean signedIn;
    private boolean network;
    private boolean traceback;
    private int errors;
    private int fileErrors;
    private int downloaded;
    private String firstProblem;

    public void accept(String line) {
        Matcher m = LOG_LINE.matcher(line);
        Matcher inner = EMBEDDED.matcher(line);
        if (!m.matches() && inner.find() && inner.start() > 0) {
            // a prompt without a newline ("Please enter … code: ") runs into the next log line
            accept(line.substring(0, inner.start()));
            accept(line.substring(inner.start()));
            return;
        }
        String level = m.matches() ? m.group(2) : "";
        String text = m.matches() ? m.group(3) : line;
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
        if (endOfRun.matcher(text).find()) {
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
        boolean clean = exitCode == 0 && !traceback && errors == 0 && fileErrors == 0 && !network;
        // success needs evidence: the end-of-run line, or downloads with no problem at all
        if (clean && (complete || downloaded > 0)) {
            return new RunResult(Outcome.SUCCESS, exitCode, downloaded + " file(s) downloaded", downloaded);
        }
        if (downloaded > 0 || fileErrors > 0 && !network && !traceback) {
            return new RunResult(Outcome.PARTIAL, exitCode, downloaded + " file(s) downloaded, then: "
                    + (firstProblem == null ? "exit " + exitCode : firstProblem), downloaded);
        }
        if (network || traceback || firstProblem != null) {
            String why = network ? firstProblem : traceback ? "icloudpd crashed (exit " + exitCode + ")" : firstProblem;
            return new RunResult(Outcome.FAILED, exitCode, why, downloaded);
        }
        return new RunResult(Outcome.UNKNOWN, exitCode, "icloudpd ended (exit " + exitCode
                + ") without an end-of-run line or any download; nothing proves the run finished", downloaded);
    }
}
