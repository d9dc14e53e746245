package io.mediapipeline.icloud;

/**
 * One classified icloudpd run.
 *
 * @param reason      one line for the operator (never contains the password)
 * @param downloaded  files icloudpd said it downloaded
 */
public record RunResult(Outcome outcome, int exitCode, String reason, int downloaded) {
}
