package io.mediapipeline.icloud.removal;

import io.mediapipeline.icloud.web.IcloudWebException;
import io.mediapipeline.icloud.web.PhotosWeb;
import io.mediapipeline.icloud.web.PhotosWeb.Found;
import java.text.Normalizer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the iCloud asset a downloaded file came from: by its record name when one is known, else by a query of
 * the assets dated around the file's capture time, matching the master's file name, its exact size and the asset
 * date. Exactly one match is an answer; none, several, or an asset that cannot be ruled out is "never delete".
 *
 * <p>Names: icloudpd's name-size-dedup-with-suffix policy saves a second asset with the same name as
 * {@code NAME-<size>.EXT}; such a local name also matches the master {@code NAME.EXT} when the suffix is the file's
 * own size (the size must match anyway). Other renames (name-id7) find nothing, which refuses: safe by default.
 */
public final class OriginalFinder {

    private static final Pattern SIZE_SUFFIX = Pattern.compile("^(.+)-(\\d+)(\\.[^.]*)?$");

    /** What the ledger knows of the downloaded file. {@code knownAssetRecord} is null when no source recorded it. */
    public record Original(String name, long size, Instant capturedAt, String knownAssetRecord) {
    }

    /** The answer: the asset, how it matched, or why there is none. */
    public sealed interface Result permits Match, NoMatch {
    }

    public record Match(Found found, String how) implements Result {
    }

    public record NoMatch(String reason) implements Result {
    }

    private final Duration window;

    public OriginalFinder(Duration window) {
        this.window = window;
    }

    public Result find(PhotosWeb web, Original original) throws IcloudWebException {
        if (original.capturedAt() == null) {
            return new NoMatch("no capture date: the original cannot be told apart from others");
        }
        if (original.knownAssetRecord() != null) {
            return known(web, original);
        }
        Instant from = original.capturedAt().minus(window);
        Instant to = original.capturedAt().plus(window);
        List<Found> matches = new ArrayList<>();
        for (Found f : web.assetsDated(from, to)) {
            if (f.asset() == null || f.asset().deleted() || f.asset().expunged()) {
                continue;
            }
            if (f.master() == null) {
                // an asset whose name and size are unknown could be the original too
                return new NoMatch("asset " + f.asset().recordName() + " came without its master: cannot rule it out");
            }
            if (matches(f, original)) {
                matches.add(f);
            }
        }
        if (matches.isEmpty()) {
            return new NoMatch("no asset matches name+size+date (" + original.name() + ", " + original.size()
                    + " bytes, " + original.capturedAt() + " +-" + window.toHours() + "h)");
        }
        if (matches.size() > 1) {
            return new NoMatch(matches.size() + " assets match name+size+date: "
                    + String.join(", ", matches.stream().map(f -> f.asset().recordName()).toList()));
        }
        return new Match(matches.get(0), "query: name+size+date");
    }

    private Result known(PhotosWeb web, Original original) throws IcloudWebException {
        String record = original.knownAssetRecord();
        Optional<Found> found = web.lookup(record);
        if (found.isEmpty()) {
            return new NoMatch("asset " + record + " not found");
        }
        Found f = found.get();
        if (f.asset().deleted() || f.asset().expunged()) {
            return new NoMatch("asset " + record + " is already deleted");
        }
        if (f.master() == null || !matches(f, original)) {
            return new NoMatch("asset " + record + " does not match name+size+date of " + original.name());
        }
        return new Match(f, "record name, checked by name+size+date");
    }

    /** Whether the asset's master has one of the file's names, exactly its size, and a date in the window. */
    boolean matches(Found f, OriginalFinder.Original original) {
        Instant date = f.asset().assetDate();
        return f.master().size() == original.size()
                && f.master().fileName() != null
                && names(original).contains(nfc(f.master().fileName()))
                && date != null
                && !date.isBefore(original.capturedAt().minus(window))
                && !date.isAfter(original.capturedAt().plus(window));
    }

    /** The names the master may carry: the local name, and the name without icloudpd's own size suffix. */
    static Set<String> names(Original original) {
        Set<String> names = new LinkedHashSet<>();
        names.add(nfc(original.name()));
        Matcher m = SIZE_SUFFIX.matcher(original.name());
        if (m.matches() && m.group(2).equals(Long.toString(original.size()))) {
            names.add(nfc(m.group(1) + (m.group(3) == null ? "" : m.group(3))));
        }
        return names;
    }

    // macOS and Linux may hand the same name over in different Unicode forms
    private static String nfc(String s) {
        return Normalizer.normalize(s, Normalizer.Form.NFC);
    }
}
