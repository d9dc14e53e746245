package io.mediapipeline.icloud.upload;

import io.mediapipeline.flow.Handoff;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What `once` still waits for: files an usable account may upload now (within the caps) and registered files not
 * yet proven or unproven. A blocked account (sign-in needed, backing off, hourly limit, refused) is not waited for,
 * and nothing is waited for after once-wait without progress. The service (not `once`) never waits.
 */
final class OnceWait implements Handoff.StageState {

    private final boolean once;
    private final Duration wait;
    private final BatchPicker picker;
    private final Uploader uploader;
    private final Prover prover;
    private final UploadLedger ledger;
    private long countedAt;
    private long counted;

    OnceWait(boolean once, Duration wait, BatchPicker picker, Uploader uploader, Prover prover, UploadLedger ledger) {
        this.once = once;
        this.wait = wait;
        this.picker = picker;
        this.uploader = uploader;
        this.prover = prover;
        this.ledger = ledger;
    }

    @Override
    public boolean holding() {
        return false;
    }

    @Override
    public synchronized long outstanding() {
        if (!once) {
            return 0;
        }
        long now = System.nanoTime();
        long last = Math.max(uploader.lastProgress(), prover.lastProgress());
        // it always looks at least once, however long the start took
        if (prover.passes() > 0 && now - last > wait.toNanos()) {
            return 0;
        }
        // `once` asks several times a second; the ledger is asked at most once a second
        if (countedAt != 0 && now - countedAt < 1_000_000_000L) {
            return counted;
        }
        counted = count();
        countedAt = now;
        return counted;
    }

    private long count() {
        long n = 0;
        if (!picker.capsReached()) {
            // a Live Photo half waiting for its partner is work too: it goes at the latest when its wait ends
            for (Map.Entry<String, List<UploadLedger.Candidate>> e : picker.pending(Duration.ZERO).entrySet()) {
                if (picker.usable(e.getKey())) {
                    n += e.getValue().size();
                }
            }
        }
        for (String account : ledger.awaitingProof()) {
            if (picker.canLookUp(account)) {
                n++;
            }
        }
        return n;
    }
}
