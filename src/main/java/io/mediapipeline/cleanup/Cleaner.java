package io.mediapipeline.cleanup;

import io.mediapipeline.flow.GuardClosedException;
import io.mediapipeline.flow.OriginalRemoval;
import io.mediapipeline.flow.RunContext;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cleanup route's bean: one pass over the verified files. Each file is claimed (a locked row another pass
 * skips), cleaned as far as the settings allow, and becomes 'cleaned' once nothing more is to be done for it
 * (not in a dry run). A closed guard ends the pass as a pause; a file that fails stays verified for the next pass.
 * 'cleaned' means done under the settings of that pass: at most once an hour a pass also comes back to cleaned
 * files whose iCloud original is still due for removal under the current settings (listed by a dry run that is now
 * switched off, cleaned while the removal was off, refused for a reason that may have passed).
 */
public class Cleaner {

    private static final Logger LOG = LoggerFactory.getLogger(Cleaner.class);
    /** The source whose originals cleanup asks to remove. */
    private static final String SOURCE = "icloud";
    /** Files read from the ledger at a time; a pass goes through every verified file, page by page. */
    static final int PAGE = 500;
    /** How often a pass comes back to cleaned files whose iCloud original is still due. */
    static final Duration REVISIT = Duration.ofHours(1);

    private final CleanupConfig config;
    private final CleanupLedger ledger;
    private final FileCleanup files;
    private final RunContext run;
    private final Pass.Beans beans;
    private volatile Instant lastPass;
    private Instant lastRevisit;
    private String paused;

    Cleaner(CleanupConfig config, CleanupLedger ledger, FileCleanup files, RunContext run, Pass.Beans beans) {
        this.config = config;
        this.ledger = ledger;
        this.files = files;
        this.run = run;
        this.beans = beans;
    }

    public synchronized void pass() {
        if (!config.enabled()) {
            return;
        }
        Instant started = Instant.now();
        Pass pass = new Pass(run.runId(), beans);
        if (pausedBy(pass)) {
            return;
        }
        UUID after = null;
        boolean stopped = false;
        pages:
        for (List<CleanupLedger.Candidate> page = ledger.verified(null, PAGE); !page.isEmpty();
             page = ledger.verified(after, PAGE)) {
            for (CleanupLedger.Candidate f : page) {
                after = f.id();
                if (!cleanOne(f, pass)) {
                    LOG.info("Cleanup paused: {}", pass.guard.blocked().orElse("the guard closed"));
                    stopped = true;
                    break pages;
                }
            }
        }
        if (!stopped) {
            lastPass = started; // `once` waits until a whole pass has looked at every verified file
            if (lastRevisit == null || !started.isBefore(lastRevisit.plus(REVISIT))) {
                if (revisitOriginals(pass)) {
                    lastRevisit = started;
                } else {
                    LOG.info("Cleanup paused: {}", pass.guard.blocked().orElse("the guard closed"));
                }
            }
        }
        if (!pass.counts().isEmpty()) {
            LOG.info("{}: {}", config.dryRun() ? "Cleanup dry run (nothing moved)" : "Cleanup pass", pass.counts());
        }
    }

    /** Cleans one file as far as it may go; false when the guard closed (the pass ends as a pause). */
    private boolean cleanOne(CleanupLedger.Candidate f, Pass pass) {
        try (CleanupLedger.Claim claim = ledger.claim(f.id())) {
            if (claim == null) {
                return true; // another pass has it, or it is no longer verified
            }
            if (files.clean(f, pass) && !config.dryRun() && claim.cleaned()) {
                pass.count("cleaned");
            }
        } catch (GuardClosedException e) {
            pass.count("paused");
            return false;
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cleanup of media file {} failed; it stays verified for the next pass: {}", f.id(), e.toString());
            pass.count("failed");
        }
        return true;
    }

    /** Cleaned files whose iCloud original is due under the current settings are asked for; false when the guard closed. */
    private boolean revisitOriginals(Pass pass) {
        if (pass.removal(SOURCE).filter(OriginalRemoval::enabled).isEmpty()) {
            return true;
        }
        UUID after = null;
        for (List<CleanupLedger.Candidate> page = due(null); !page.isEmpty(); page = due(after)) {
            for (CleanupLedger.Candidate f : page) {
                after = f.id();
                try (CleanupLedger.Claim claim = ledger.claim(f.id(), "cleaned")) {
                    if (claim != null) {
                        files.original(f, pass);
                    }
                } catch (GuardClosedException e) {
                    pass.count("paused");
                    return false;
                } catch (IOException | RuntimeException e) {
                    LOG.warn("Cleanup: asking for the original of cleaned file {} failed; asked again later: {}", f.id(),
                            e.toString());
                    pass.count("failed");
                }
            }
        }
        return true;
    }

    private List<CleanupLedger.Candidate> due(UUID after) {
        return ledger.removalDue(SOURCE, config.originalDryRun(), config.pixelOn(), after, PAGE);
    }

    /** Logs a closed guard when it closes, and its opening when it opens again. */
    private boolean pausedBy(Pass pass) {
        String why = pass.guard.blocked().orElse(null);
        if (why != null && !why.equals(paused)) {
            LOG.info("Cleanup paused: {}", why);
        } else if (why == null && paused != null) {
            LOG.info("Cleanup resumes");
        }
        paused = why;
        return why != null;
    }

    /** Verified files no pass has looked at yet: `once` waits for them. */
    long due() {
        return config.enabled() ? ledger.verifiedSince(lastPass) : 0;
    }
}
