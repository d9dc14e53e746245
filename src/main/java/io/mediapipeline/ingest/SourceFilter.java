package io.mediapipeline.ingest;

import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ledger.InputLedger;
import io.mediapipeline.ledger.Ledger;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.component.file.AntFilter;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a source's recursive file consumer walks into (Camel asks for every folder and file). Symbolic links are
 * not followed, unless links that stay inside the source folder are allowed: then a link is followed only to what
 * the walk would not reach anyway (a hidden or too deep folder), and a real folder is walked once, so a loop ends
 * and nothing is imported twice. Folders deeper than the maximum depth are not entered. What is left out for good
 * (a link, a folder too deep) is recorded once: a skipped row in the run report, a log line. A file modified within
 * the last moments is reported as work in progress: a scan may give up waiting for a file that keeps growing (so
 * it does not hold up the others), but `once` must not take that as "nothing left". A file dated more than a minute
 * ahead is not being written (a camera clock or a FAT time zone is off) and would never look stable: it is reported
 * as skipped in each run until its date is set right. An input the run gave up on ({@link GivenUp}) is left alone.
 * A file that none of the source's patterns takes (a .txt, a sidecar, a .db) is recorded as skipped once, with its
 * extension, instead of being passed over without a word; this filter runs before the consumer's own antInclude, so
 * the patterns are checked here the same way (Camel's {@link AntFilter}, case-insensitive). Hidden files (".name")
 * are left out by Camel before any filter and are not reported.
 */
public class SourceFilter implements GenericFileFilter<File> {

    private static final Logger LOG = LoggerFactory.getLogger(SourceFilter.class);

    public enum Links { SKIP, INSIDE }

    private final Ledger ledger;
    private final InputLedger inputs;
    private final RunContext run;
    private final String source;
    private final Path root;
    private final Links links;
    private final int maxDepth;
    private final Runnable stillWriting;
    private final long freshMillis;
    private final GivenUp givenUp;
    private final AntFilter patterns;
    // clocks of network shares and cameras drift a little; beyond this a date is wrong, not fresh
    static final long FUTURE_SLACK_MILLIS = 60_000;
    private volatile Path realRoot;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final Set<Path> followed = ConcurrentHashMap.newKeySet();
    private final Map<Path, Path> walkedVia = new ConcurrentHashMap<>();

    /**
     * @param source the source name for the ledger; null = the first folder under root (the inbox's inbox/&lt;source&gt;/)
     * @param maxDepth how many folder levels below root are entered
     * @param stillWriting told when a file was modified less than {@code fresh} ago
     */
    public SourceFilter(Ledger ledger, RunContext run, String source, Path root, Links links, int maxDepth,
                        Runnable stillWriting, java.time.Duration fresh, GivenUp givenUp) {
        this(ledger, run, source, root, links, maxDepth, stillWriting, fresh, givenUp, null);
    }

    /** @param patterns the source's comma-separated ant patterns; a file none takes is reported; null = take all */
    public SourceFilter(Ledger ledger, RunContext run, String source, Path root, Links links, int maxDepth,
                        Runnable stillWriting, java.time.Duration fresh, GivenUp givenUp, String patterns) {
        this.ledger = ledger;
        this.inputs = new InputLedger(ledger.dataSource());
        this.run = run;
        this.source = source;
        this.root = root.toAbsolutePath().normalize();
        this.links = links;
        this.maxDepth = maxDepth;
        this.stillWriting = stillWriting;
        this.freshMillis = fresh.toMillis();
        this.givenUp = givenUp;
        if (patterns == null || patterns.isBlank()) {
            this.patterns = null;
        } else {
            this.patterns = new AntFilter();
            this.patterns.setIncludes(patterns);
            this.patterns.setCaseSensitive(false);
        }
    }

    @Override
    public boolean accept(GenericFile<File> file) {
        Path path = file.getFile().toPath().toAbsolutePath().normalize();
        try {
            boolean accepted = accept(path, file.isDirectory());
            if (!accepted || file.isDirectory()) {
                return accepted;
            }
            if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS) && path.getFileName().toString().indexOf('\uFFFD') >= 0) {
                // bytes that are not UTF-8 reach Java as U+FFFD: the name it has cannot open the file
                skip(path, "a name that is not valid UTF-8 (its bad bytes show as U+FFFD): the file cannot be opened by that"
                        + " name; rename it to import it");
                return false;
            }
            if (patterns != null && !patterns.accept(false, file.getRelativeFilePath())) {
                skip(path, notTaken(path));
                return false;
            }
            if (givenUp.contains(path)) {
                return false;
            }
            long age = System.currentTimeMillis() - file.getLastModified();
            if (age < -FUTURE_SLACK_MILLIS) {
                Instant at = Instant.ofEpochMilli(file.getLastModified());
                // keyed by run and date: reported in every run until fixed; once touched, the date is no longer ahead
                skip(path, "|future:" + file.getLastModified() + "|run:" + run.runId(), "modified in the future (" + at
                        + "); set its date with touch to import it");
                return false;
            }
            if (age < freshMillis) {
                stillWriting.run();
            }
            return true;
        } catch (IOException e) {
            skip(path, "cannot be followed: " + e.getMessage());
            return false;
        }
    }

    boolean accept(Path path, boolean directory) throws IOException {
        Path rel = root.relativize(path);
        if (directory && rel.getNameCount() > maxDepth) {
            skip(path, "a folder deeper than " + maxDepth + " levels (pipeline.source.folder.max-depth): not entered");
            return false;
        }
        boolean link = Files.isSymbolicLink(path);
        if (!link && !underFollowedLink(path)) {
            if (directory) {
                walkedVia.put(realRoot().resolve(rel), path);
            }
            return true;
        }
        if (links == Links.SKIP) {
            skip(path, "a symbolic link (to " + Files.readSymbolicLink(path) + "): links are not followed"
                    + (source == null ? "" : " (pipeline.source.folder.links=inside follows those that stay inside the folder)"));
            return false;
        }
        Path real = path.toRealPath();
        if (!real.startsWith(realRoot())) {
            skip(path, "a symbolic link to " + real + ", outside the source folder: not followed");
            return false;
        }
        if (link && reachedAnyway(real, directory)) {
            LOG.debug("{} leads to {}, which the walk reaches anyway", path, real);
            return false;
        }
        if (directory) {
            Path first = walkedVia.putIfAbsent(real, path);
            if (first != null && !first.equals(path) && leadsTo(first, real)) {
                LOG.debug("{} leads to {}, already walked as {}", path, real, first);
                return false;
            }
            walkedVia.put(real, path);
            if (link) {
                followed.add(path);
            }
        }
        return true;
    }

    private static String notTaken(Path path) {
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String kind = dot <= 0 || dot == name.length() - 1 ? "a file without an extension"
                : "a ." + name.substring(dot + 1) + " file";
        return "not a photo or video the pipeline takes (" + kind + ", not in pipeline.source.folder.patterns)";
    }

    private boolean underFollowedLink(Path path) {
        for (Path p = path.getParent(); p != null && p.startsWith(root) && !p.equals(root); p = p.getParent()) {
            if (followed.contains(p)) {
                return true;
            }
        }
        return false;
    }

    /** The walk enters every folder below the root whose names are not hidden, down to the maximum depth. */
    private boolean reachedAnyway(Path real, boolean directory) throws IOException {
        Path rel = realRoot().relativize(real);
        if (rel.getNameCount() > (directory ? maxDepth : maxDepth + 1)) {
            return false;
        }
        for (Path name : rel) {
            if (name.toString().startsWith(".")) {
                return false;
            }
        }
        return true;
    }

    private static boolean leadsTo(Path walked, Path real) {
        try {
            return walked.toRealPath().equals(real);
        } catch (IOException e) {
            return false;
        }
    }

    private Path realRoot() throws IOException {
        Path r = realRoot;
        if (r == null) {
            r = root.toRealPath();
            realRoot = r;
        }
        return r;
    }

    /** Recorded and logged once per path; if the ledger is away, a later poll records it. */
    private void skip(Path path, String reason) {
        skip(path, "|skipped", reason);
    }

    private void skip(Path path, String keySuffix, String reason) {
        String name = source != null ? source : root.relativize(path).getName(0).toString();
        String key = name + ":" + path + keySuffix;
        if (!reported.add(key)) {
            return;
        }
        try {
            if (inputs.recordSkipped(run.runId(), name, key, path.toString(), reason)) {
                LOG.warn("Not imported: {}: {}", path, reason);
                ledger.log(run.runId(), "ingest", "warn", "not imported: " + reason, null, path.toString());
            }
        } catch (RuntimeException e) {
            reported.remove(key);
            LOG.warn("Not imported: {}: {} (could not record it: {})", path, reason, e.getMessage());
        }
    }
}
