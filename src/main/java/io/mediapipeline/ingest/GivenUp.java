package io.mediapipeline.ingest;

import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ledger.InputLedger;
import io.mediapipeline.ledger.Ledger;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inputs this run stopped taking: failures no other clause counts (the quarantine copy cannot be made, a file
 * rewritten faster than it can be copied) are counted per path; after pipeline.ingest.max-attempts the source
 * filters leave the input where it is until the next run, so `once` can end. Its pending row says why.
 */
public class GivenUp {

    private static final Logger LOG = LoggerFactory.getLogger(GivenUp.class);

    private final Ledger ledger;
    private final InputLedger inputs;
    private final RunContext run;
    private final int maxAttempts;
    // by path, not by key: a file rewritten again comes back under a new key every time
    private final Map<Path, Integer> failures = new ConcurrentHashMap<>();
    private final Set<Path> givenUp = ConcurrentHashMap.newKeySet();

    public GivenUp(Ledger ledger, RunContext run, int maxAttempts) {
        this.ledger = ledger;
        this.inputs = new InputLedger(ledger.dataSource());
        this.run = run;
        this.maxAttempts = maxAttempts;
    }

    public boolean contains(Path input) {
        return givenUp.contains(input.toAbsolutePath().normalize());
    }

    /**
     * Counts one failure of the input.
     *
     * @param sourceFileId its pending row, or null when it has none (one is made when the input is given up)
     * @return true when this failure made the run give the input up
     */
    public boolean failed(String source, Path input, Long sourceFileId, String reason) {
        Path path = input.toAbsolutePath().normalize();
        int n = failures.merge(path, 1, Integer::sum);
        if (n < maxAttempts || !givenUp.add(path)) {
            return false;
        }
        String why = reason + " (failed " + n + " times in this run, pipeline.ingest.max-attempts; not taken again"
                + " until the next run, the file stays where it is)";
        try {
            long id = sourceFileId != null ? sourceFileId
                    : ledger.admitSource(run.runId(), source, source + ":" + path + "|given-up", path.toString(), -1).sourceFileId();
            inputs.recordGivenUp(id, n, why);
            ledger.log(run.runId(), "ingest", "error", "given up: " + why, null, path.toString());
        } catch (RuntimeException e) {
            LOG.warn("{}: could not record that it was given up: {}", path, e.getMessage());
        }
        LOG.error("Given up {}: {}", path, why);
        return true;
    }
}
