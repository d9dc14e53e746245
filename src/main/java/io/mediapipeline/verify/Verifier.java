package io.mediapipeline.verify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.flow.Guard;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.flow.TargetProof;
import io.mediapipeline.ops.Metrics;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verify route's bean (routes/80-verify.camel.yaml): picks due archived files, checks each one's local copies
 * byte for byte and asks every enabled target (one call per pass) whether it holds the file now. All proven:
 * 'verified' with the evidence. A local copy missing or different, or a target that lost the file: 'error' with the
 * reason. A target not ready yet: the file stays archived with the reason and the time of the next look.
 */
public class Verifier {

    private static final Logger LOG = LoggerFactory.getLogger(Verifier.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final VerifyConfig cfg;
    private final VerifyLedger ledger;
    private final LocalCopies copies;
    private final Supplier<Guard> guard;
    private final Supplier<? extends Collection<TargetProof>> targets;
    private final RunContext run;
    private final Metrics metrics;
    private final String marker;
    private final Clock clock;

    public Verifier(VerifyConfig cfg, VerifyLedger ledger, LocalCopies copies, Supplier<Guard> guard,
                    Supplier<? extends Collection<TargetProof>> targets, RunContext run, Metrics metrics, String node,
                    Clock clock) {
        this.cfg = cfg;
        this.ledger = ledger;
        this.copies = copies;
        this.guard = guard;
        this.targets = targets;
        this.run = run;
        this.metrics = metrics;
        this.marker = "verifying on " + node;
        this.clock = clock;
    }

    /** Step pick-files-to-verify: the due files, claimed for this pass; null when none, or while the guard is closed. */
    public List<VerifyLedger.Candidate> pick() {
        Optional<String> closed = guard.get().blocked();
        if (closed.isPresent()) {
            LOG.debug("Verify pass skipped: {}", closed.get());
            return null;
        }
        List<VerifyLedger.Candidate> due = ledger.claim(cfg.batchSize(), cfg.compressOn(), cfg.recheck(), marker);
        return due.isEmpty() ? null : due;
    }

    /** Step verify-files: checks the picked files and records each outcome; returns the counts of the pass. */
    public Map<String, Integer> verify(List<VerifyLedger.Candidate> files) {
        Map<UUID, LocalCopies.Result> local = new LinkedHashMap<>();
        List<UUID> intact = new ArrayList<>();
        Optional<String> unmounted = copies.unmounted();
        if (unmounted.isPresent()) {
            LOG.warn("Verify pass of {} file(s) not possible: {}", files.size(), unmounted.get());
            Instant later = clock.instant().plus(cfg.recheck());
            return record(files, files.stream().map(c -> new VerifyLedger.Outcome(c, VerifyLedger.Kind.WAITING,
                    "local copies: " + unmounted.get(), null, later, null)).toList());
        }
        for (VerifyLedger.Candidate c : files) {
            LocalCopies.Result r = copies.check(c);
            local.put(c.id(), r);
            if (r.problems().isEmpty()) {
                intact.add(c.id());
            }
        }
        Map<String, Map<UUID, TargetProof.Verdict>> verdicts = ask(intact);
        Optional<String> closed = guard.get().blocked();
        if (closed.isPresent()) {
            // the NAS may have gone while it was read: what was found proves nothing either way
            LOG.info("Verify pass of {} file(s) not recorded: {}; they are looked at again", files.size(), closed.get());
            ledger.release(marker);
            return Map.of();
        }
        Instant now = clock.instant();
        List<VerifyLedger.Outcome> outcomes = new ArrayList<>();
        for (VerifyLedger.Candidate c : files) {
            outcomes.add(decide(c, local.get(c.id()), verdicts, now));
        }
        return record(files, outcomes);
    }

    private Map<String, Integer> record(List<VerifyLedger.Candidate> files, List<VerifyLedger.Outcome> outcomes) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        List.of("verified", "waiting", "errors").forEach(k -> counts.put(k, 0));
        for (VerifyLedger.Outcome o : ledger.record(outcomes, run == null ? null : run.runId(), marker)) {
            switch (o.kind()) {
                case VERIFIED -> counts.merge("verified", 1, Integer::sum);
                case WAITING -> counts.merge("waiting", 1, Integer::sum);
                case ERROR -> {
                    counts.merge("errors", 1, Integer::sum);
                    LOG.warn("Not verified: {}: {}", o.file().originalPath(), o.text());
                }
            }
        }
        counts.forEach((k, v) -> metrics.add("verify." + k, v));
        LOG.info("Verify pass: {} verified, {} waiting, {} in error (of {} picked)", counts.get("verified"),
                counts.get("waiting"), counts.get("errors"), files.size());
        return counts;
    }

    /** Each enabled target once for the whole pass; a target that fails to answer makes every file wait. */
    private Map<String, Map<UUID, TargetProof.Verdict>> ask(List<UUID> ids) {
        Map<String, Map<UUID, TargetProof.Verdict>> out = new LinkedHashMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        for (TargetProof t : targets.get()) {
            if (!t.enabled()) {
                continue;
            }
            Map<UUID, TargetProof.Verdict> answers = new LinkedHashMap<>();
            try {
                answers.putAll(t.check(ids));
            } catch (RuntimeException e) {
                LOG.warn("Target {} could not be asked: {}", t.target(), e.getMessage());
                ids.forEach(id -> answers.put(id, TargetProof.Verdict.waiting("could not be asked: " + e.getMessage(), null)));
            }
            out.put(t.target(), answers);
        }
        return out;
    }

    private VerifyLedger.Outcome decide(VerifyLedger.Candidate c, LocalCopies.Result local,
                                        Map<String, Map<UUID, TargetProof.Verdict>> verdicts, Instant now) {
        if (!local.problems().isEmpty()) {
            return outcome(c, VerifyLedger.Kind.ERROR, String.join("; ", local.problems()), null, null, local);
        }
        List<String> missing = new ArrayList<>();
        List<String> waiting = new ArrayList<>();
        Instant latest = null;
        Map<String, Object> proofs = new LinkedHashMap<>();
        for (var target : verdicts.entrySet()) {
            TargetProof.Verdict v = target.getValue().get(c.id());
            if (v == null) {
                v = TargetProof.Verdict.waiting("no answer for this file", null);
            }
            switch (v.state()) {
                case PROVEN -> proofs.put(target.getKey(), v.evidence() == null ? Map.of() : plain(v.evidence()));
                case MISSING -> missing.add(target.getKey() + ": " + v.reason());
                case WAITING -> {
                    waiting.add(target.getKey() + ": " + v.reason());
                    if (v.retryAfter() != null && (latest == null || v.retryAfter().isAfter(latest))) {
                        latest = v.retryAfter();
                    }
                }
            }
        }
        if (!missing.isEmpty()) {
            return outcome(c, VerifyLedger.Kind.ERROR, String.join("; ", missing), null, null, local);
        }
        if (!waiting.isEmpty()) {
            // never due again at once: a pass that changes nothing must not make `once` wait for ever
            Instant after = latest != null && latest.isAfter(now) ? latest : now.plus(cfg.recheck());
            return outcome(c, VerifyLedger.Kind.WAITING, String.join("; ", waiting), null, after, local);
        }
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("checkedAt", now.toString());
        evidence.put("copies", local.copies());
        evidence.put("targets", proofs);
        return outcome(c, VerifyLedger.Kind.VERIFIED, null, json(evidence), null, local);
    }

    private static VerifyLedger.Outcome outcome(VerifyLedger.Candidate c, VerifyLedger.Kind kind, String text,
                                                String evidence, Instant after, LocalCopies.Result local) {
        return new VerifyLedger.Outcome(c, kind, text, evidence, after, local.recordSha256());
    }

    /** A target's evidence as JSON can hold it: times, ids and paths as their text, maps and lists as they are. */
    static Object plain(Object value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), plain(v)));
            return out;
        }
        if (value instanceof Collection<?> c) {
            return c.stream().map(Verifier::plain).toList();
        }
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value;
        }
        return value.toString();
    }

    private static String json(Map<String, Object> evidence) {
        try {
            return JSON.writeValueAsString(evidence);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("verify evidence is not JSON: " + e.getMessage(), e);
        }
    }

    /** Claims a crash left behind (this node's) are released at startup. */
    public int releaseClaims() {
        return ledger.release(marker);
    }
}
