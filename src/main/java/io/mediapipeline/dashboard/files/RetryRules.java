package io.mediapipeline.dashboard.files;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Whether trying a failure again can help, decided from what the ledger says of it: a file whose cause may have
 * passed (a copy that is back, a tool that timed out) gets a retry; one that would fail the same way gets a
 * sentence saying what a person has to do instead.
 */
final class RetryRules {

    /** A retry and what it does, or none and why not. */
    record Verdict(boolean allowed, String text) {
        static Verdict retry(String what) {
            return new Verdict(true, what);
        }

        static Verdict no(String why) {
            return new Verdict(false, why);
        }
    }

    // causes that were about the moment, not the file: a tool that hung or could not start, a full or busy system
    private static final List<String> PASSING = List.of("did not finish within", "did not answer within", "cannot start ",
            "no space left on device", "too many open files", "interrupted while", "resource temporarily unavailable");
    private static final Pattern SOURCE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private RetryRules() {
    }

    /**
     * A media file in error. Organize and verify errors go back to the status they failed in (the only way out the
     * ledger allows) once the copies they need are there; the scrub and ingest take theirs up again by themselves.
     */
    static Verdict forFile(Map<String, Object> f, boolean organizeOn) {
        String error = Objects.toString(f.get("error"), "");
        String from = Objects.toString(f.get("error_from"), "");
        if (error.startsWith("scrub:")) {
            return Verdict.no("the scrub reads this file again on its next pass and returns it by itself once every copy is right");
        }
        if (from.equals("ingesting")) {
            return Verdict.no("ingest did not finish: it resumes by itself when the source offers the input again");
        }
        if (error.startsWith("organize:") && from.equals("ingested")) {
            Path original = path(f.get("original_path"));
            if (original == null || !Files.isRegularFile(original, LinkOption.NOFOLLOW_LINKS)) {
                return Verdict.no("its original is missing: put " + f.get("original_path") + " back first");
            }
            if (!organizeOn) {
                return Verdict.no("the organize stage is off (pipeline.organize.enabled)");
            }
            return Verdict.retry("Organize again");
        }
        if (error.startsWith("verify:") && from.equals("archived")) {
            for (String column : List.of("original_path", "archive_path", "compressed_path")) {
                Path copy = path(f.get(column));
                if (f.get(column) != null && (copy == null || !Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS))) {
                    return Verdict.no("the copy " + f.get(column) + " is missing: put it back first, then retry");
                }
            }
            return Verdict.retry("Verify again");
        }
        return Verdict.no("no retry for this failure: its reason says what to fix");
    }

    /** A file compress gave up on: encoded again only when what stopped it was the moment, not the file. */
    static Verdict forCompress(Map<String, Object> f, boolean compressOn) {
        Path original = path(f.get("original_path"));
        if (original == null || !Files.isRegularFile(original, LinkOption.NOFOLLOW_LINKS)) {
            return Verdict.no("its original is missing: put " + f.get("original_path") + " back first");
        }
        if (!compressOn) {
            return Verdict.no("the compress stage is off (pipeline.compress.enabled)");
        }
        String reason = Objects.toString(f.get("compress_reason"), "").toLowerCase(Locale.ROOT);
        if (PASSING.stream().anyMatch(reason::contains)) {
            return Verdict.retry("Compress again");
        }
        return Verdict.no("the encoder would fail the same way; the original is kept and delivered as it is");
    }

    /** A quarantined input: handed back to its source's inbox only when the cause was the moment, not the file. */
    static Verdict forInput(Map<String, Object> q, Path quarantine) {
        String reason = Objects.toString(q.get("reason"), "").toLowerCase(Locale.ROOT);
        Path place = path(q.get("place"));
        if (place == null || place.getFileName().toString().endsWith(".reason.txt") || !place.normalize().startsWith(quarantine)
                || !Files.isRegularFile(place, LinkOption.NOFOLLOW_LINKS)) {
            return Verdict.no("no copy was kept in quarantine/: offer the file again at its source");
        }
        if (!SOURCE_NAME.matcher(Objects.toString(q.get("source"), "")).matches()) {
            return Verdict.no("its source name cannot be an inbox folder: copy the file into an inbox yourself");
        }
        if (PASSING.stream().anyMatch(reason::contains)) {
            return Verdict.retry("Hand back to inbox/" + q.get("source") + "/");
        }
        if (reason.contains("zero bytes")) {
            return Verdict.no("empty file: replace it at the source");
        }
        if (reason.contains("corrupt") || reason.contains("truncated")) {
            return Verdict.no("corrupt file: replace it at the source");
        }
        if (reason.contains("not a photo or video")) {
            return Verdict.no("not a photo or video: nothing to retry");
        }
        if (reason.contains("wrong extension")) {
            return Verdict.no("its name does not match its content: rename it at the source");
        }
        if (reason.startsWith("unreadable")) {
            return Verdict.no("it could not be read: fix it at the source");
        }
        return Verdict.no("the same file would fail the same way: fix it at the source");
    }

    private static Path path(Object value) {
        try {
            return value == null ? null : Path.of(value.toString()).toAbsolutePath();
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }
}
